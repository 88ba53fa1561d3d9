// `osqueryi --pack NAME`: reads the config named by --config_path (the
// filesystem plugin, as the daemon does) and runs every query of that pack,
// printing each result in the shell's output mode.
import { hostname } from "node:os";
import { flags } from "../flags/flags.ts";
import { logToStderr, WARNING } from "../logger/glog.ts";
import { runQuery } from "../sql/engine.ts";
import { MemoryStore } from "../store/store.ts";
import { Config } from "../daemon/config.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { runStatement, type ShellState } from "./shell.ts";

export async function runPack(state: ShellState, name: string): Promise<number> {
  const warn = (m: string) => logToStderr(WARNING, "config.cpp", 0, m);
  const config = new Config({
    plugin: new FilesystemConfigPlugin(() => flags.get("config_path"), warn),
    store: new MemoryStore(),
    hostname: hostname(),
    version: OSQUERY_VERSION,
    now: () => Math.floor(Date.now() / 1000),
    log: { info: () => {}, warn, error: warn, verbose: () => {} },
    returnsRows: async (sql) => {
      try {
        return (await runQuery(sql)).rows.length > 0;
      } catch {
        return false;
      }
    },
    onDecorators: async () => {},
  });
  const error = await config.refresh();
  if (error) {
    process.stderr.write(`Error reading config: ${error}\n`);
    return 1;
  }
  const pack = config.packs().find((p) => p.name === name);
  if (!pack) {
    process.stderr.write(`Error: no pack named ${name} in ${flags.get("config_path")}\n`);
    return 1;
  }
  let code = 0;
  for (const q of pack.queries) {
    const r = await runStatement(state, q.query);
    if (!r.ok) {
      process.stderr.write(`Error: ${q.name}: ${r.error.message}\n`);
      code = 1;
    }
  }
  return code;
}
