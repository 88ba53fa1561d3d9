// osquery's start-up shortcuts, the same in osqueryi and osqueryd (osquery's
// Initializer::start): the config plugin must exist (else the exit is
// catastrophic, 78); --config_check loads the config and exits with its
// status; --database_dump prints every stored key; --config_dump prints each
// config source as read. A failed config load is `Error reading config: …`
// on stderr and exit 1.
import { flags } from "./flags/flags.ts";
import { writeStdout } from "./io.ts";
import { dumpStore } from "./store/dump.ts";
import type { Result } from "./result.ts";
import type { Store } from "./store/store.ts";
import type { ConfigPlugin } from "../plugins/config/plugin.ts";

export const EXIT_SUCCESS = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CATASTROPHIC = 78;

export interface ShortcutEnv {
  /** The plugin --config_plugin names, or null when osq has none of that name. */
  readonly plugin: ConfigPlugin | null;
  /** Loads and applies the whole config through `plugin`: the error text, or null. */
  loadConfig(plugin: ConfigPlugin): Promise<string | null>;
  /** The role's database for --database_dump: null when it keeps none, or why it cannot be opened. */
  openStore(): Promise<Result<Store | null, string>>;
  /** Reports a start-up error (a status line in the role's own way). */
  error(message: string): void;
}

/**
 * --install and --uninstall, which osquery checks before anything starts:
 * they register a Windows service, so on Linux each says so and the exit is
 * 1, as osquery's POSIX build does. Null when neither is set.
 */
export function serviceShortcut(log: { info(m: string): void; error(m: string): void }): number | null {
  const install = flags.bool("install");
  const uninstall = flags.bool("uninstall");
  if (install && uninstall) {
    log.error("osqueryd service install and uninstall can not be requested together");
    return EXIT_FAILURE;
  }
  if (!install && !uninstall) return null;
  const verb = install ? "install" : "uninstall";
  log.info(`The --${verb} service flag only applies to Windows platforms`);
  log.error(`Unable to ${verb} the osqueryd service`);
  return EXIT_FAILURE;
}

/** Whether one of the shortcut flags is set: the role then runs no shell and no schedule. */
export function wantsShortcut(): boolean {
  return flags.bool("config_check") || flags.bool("config_dump") || flags.bool("database_dump");
}

/** Runs the shortcut the flags ask for and returns the exit code, or null when none is set. */
export async function runShortcut(env: ShortcutEnv): Promise<number | null> {
  if (!wantsShortcut()) return null;
  const { plugin } = env;
  if (!plugin) {
    const name = flags.get("config_plugin");
    env.error(`Cannot activate ${name} config plugin: Unknown registry plugin: ${name}`);
    return EXIT_CATASTROPHIC;
  }
  if (flags.bool("config_check")) {
    const error = await env.loadConfig(plugin);
    if (error) {
      process.stderr.write(`Error reading config: ${error}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
  }
  if (flags.bool("database_dump")) return databaseDump(env);
  return configDump(plugin);
}

async function databaseDump(env: ShortcutEnv): Promise<number> {
  const opened = await env.openStore();
  if (!opened.ok) {
    env.error(opened.error);
    return EXIT_FAILURE;
  }
  const store = opened.value;
  if (store) {
    dumpStore(store, writeStdout);
    await store.close();
  }
  return EXIT_SUCCESS;
}

/** Each source as `{"<name>": <text>}`, unparsed, as osquery's Config::load writes them. */
async function configDump(plugin: ConfigPlugin): Promise<number> {
  const r = await plugin.genConfig();
  if (!r.ok) {
    process.stderr.write(`Error reading config: ${r.error}\n`);
    return EXIT_FAILURE;
  }
  for (const [name, text] of r.sources) writeStdout(`{"${name}": ${text}}\n`);
  return EXIT_SUCCESS;
}
