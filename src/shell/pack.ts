// The shell's use of a config: osqueryi reads --config_path (its default
// /etc/osquery/osquery.conf too, as osquery's shell loads the config at
// start) as the daemon does (filesystem plugin), applies its options, offers its
// views and shows its schedule and packs in osquery_schedule / osquery_packs
// (never run here, so every execution count is 0). `--pack NAME` runs every
// query of that pack, printing each result in the shell's output mode.
import { hostname } from "node:os";
import { flags } from "../flags/flags.ts";
import { INFO, logToStderr, verbose, WARNING } from "../logger/glog.ts";
import { checkViews, runQuery } from "../sql/engine.ts";
import { MemoryStore } from "../store/store.ts";
import { Config } from "../daemon/config.ts";
import { daemonTables } from "../daemon/state.ts";
import { newPerformance, packRows, scheduleRows } from "../daemon/stats.ts";
import { runtime } from "../runtime.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";
import type { ConfigPlugin } from "../../plugins/config/plugin.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { runStatement, type ShellState } from "./shell.ts";
import { applyPrometheusTargets } from "../../tables/apps/prometheus_metrics.ts";
import { applyAutoTables, type AutoTableLog } from "../daemon/auto_tables.ts";
import { applyYaraConfig } from "../yara/config.ts";

const warn = (m: string) => logToStderr(WARNING, "config.cpp", 0, m);
const atcLog: AutoTableLog = {
  info: (m) => logToStderr(INFO, "auto_constructed_tables.cpp", 0, m),
  warn: (m) => logToStderr(WARNING, "auto_constructed_tables.cpp", 0, m),
  verbose: (m) => verbose("auto_constructed_tables.cpp", m),
};

/** The plugin --config_plugin names, or null when the shell has none of that name. */
export function shellConfigPlugin(): ConfigPlugin | null {
  if (flags.get("config_plugin") !== "filesystem") return null;
  return new FilesystemConfigPlugin(() => flags.get("config_path"), warn);
}

export function newShellConfig(plugin: ConfigPlugin): Config {
  return new Config({
    plugin,
    store: new MemoryStore(),
    hostname: hostname(),
    version: OSQUERY_VERSION,
    now: () => Math.floor(Date.now() / 1000),
    log: { info: () => {}, warn, error: warn, verbose: (m) => verbose("config.cpp", m) },
    returnsRows: async (sql) => {
      try {
        return (await runQuery(sql)).rows.length > 0;
      } catch (e) {
        verbose("packs.cpp", `Discovery query failed (${sql}): ${(e as Error).message}`);
        return false;
      }
    },
    onDecorators: async () => {},
  });
}

/** osquery_schedule and osquery_packs show the loaded config, as in osquery's shell. */
function publishConfigTables(config: Config): void {
  daemonTables.schedule = async () => scheduleRows(await config.scheduledQueries(), (_name, sql) => newPerformance(sql));
  daemonTables.packs = () => packRows(config.packs());
}

/**
 * Loads --config_path (its options apply as it loads) and publishes its
 * schedule and packs; returns its views. A config that cannot be read is only
 * a verbose message in the shell, as in osquery (the daemon warns).
 */
export async function loadShellConfig(): Promise<{ views: Map<string, string>; config: Config | null }> {
  const plugin = shellConfigPlugin();
  if (!plugin) {
    verbose("init.cpp", `Error reading config: Unknown config plugin: ${flags.get("config_plugin")}`);
    return { views: new Map(), config: null };
  }
  const config = newShellConfig(plugin);
  const error = await config.refresh();
  if (error) {
    verbose("init.cpp", `Error reading config: ${error}`);
    return { views: new Map(), config: null };
  }
  // The refresh has run each pack's discovery as osquery's addPack does, so
  // osquery_packs shows which are active right after the load.
  publishConfigTables(config);
  // osqueryi holds a loaded config like osqueryd, so osquery_info reports its hash and validity.
  runtime.configValid = config.valid;
  runtime.configHash = config.hash();
  applyPrometheusTargets(config.section("prometheus_targets"));
  applyAutoTables(config.section("auto_table_construction"), atcLog);
  applyYaraConfig(config.section("yara"));
  return { views: configViews(config), config };
}

/**
 * The config's views, keyed by lower-case name. osquery creates them once as
 * the config loads and logs each one SQLite refuses at INFO, so a broken view
 * is reported here, not by every query that names it.
 */
function configViews(config: Config): Map<string, string> {
  const views = new Map([...config.views()].map(([name, sql]) => [name.toLowerCase(), sql]));
  for (const e of checkViews(config.views())) logToStderr(INFO, "views.cpp", 98, e);
  return views;
}

export async function runPack(state: ShellState, name: string): Promise<number> {
  const plugin = shellConfigPlugin();
  const config = plugin ? newShellConfig(plugin) : null;
  const error = config ? await config.refresh() : `Unknown config plugin: ${flags.get("config_plugin")}`;
  if (error || !config) {
    process.stderr.write(`Error reading config: ${error}\n`);
    return 1;
  }
  const pack = config.packs().find((p) => p.name === name);
  if (!pack) {
    process.stderr.write(`Error: no pack named ${name} in ${flags.get("config_path")}\n`);
    return 1;
  }
  applyPrometheusTargets(config.section("prometheus_targets"));
  applyAutoTables(config.section("auto_table_construction"), atcLog);
  applyYaraConfig(config.section("yara"));
  for (const [view, sql] of configViews(config)) state.views.set(view, sql);
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
