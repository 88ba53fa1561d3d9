// The shell's use of a config: with an explicit --config_path, osqueryi reads
// it as the daemon does (filesystem plugin), applies its options and offers
// its views; `--pack NAME` runs every query of that pack, printing each result
// in the shell's output mode.
import { hostname } from "node:os";
import { flags } from "../flags/flags.ts";
import { logToStderr, WARNING } from "../logger/glog.ts";
import { runQuery } from "../sql/engine.ts";
import { MemoryStore } from "../store/store.ts";
import { Config } from "../daemon/config.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { runStatement, type ShellState } from "./shell.ts";
import { applyPrometheusTargets } from "../../tables/apps/prometheus_metrics.ts";

function newConfig(): Config {
  const warn = (m: string) => logToStderr(WARNING, "config.cpp", 0, m);
  return new Config({
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
}

/** Loads --config_path (its options apply as it loads); returns its views, or why it failed. */
export async function loadShellConfig(): Promise<{ views: Map<string, string> } | { error: string }> {
  const config = newConfig();
  const error = await config.refresh();
  if (error) return { error };
  applyPrometheusTargets(config.section("prometheus_targets"));
  return { views: new Map([...config.views()].map(([name, sql]) => [name.toLowerCase(), sql])) };
}

export async function runPack(state: ShellState, name: string): Promise<number> {
  const config = newConfig();
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
