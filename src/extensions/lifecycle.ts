// Where the autoload rules meet the flags: the supervisor for the binaries
// --extensions_autoload (and the shell's --extension) name, or null when
// there are none or --disable_extensions is set. The watcher, the single
// daemon process (--disable_watchdog) and the shell each start one.
import { flags } from "../flags/flags.ts";
import { autoloadBinaries } from "./autoload.ts";
import { ExtensionSupervisor, type ExtensionLimitCheck, type SupervisorLog } from "./supervisor.ts";

/** osquery's watchdog interval: how often extensions are checked and restarted. */
const CHECK_INTERVAL_MS = 3000;

/** Set for the worker by a watcher that manages extensions: plugins may still be on their way. */
export const MANAGED_EXTENSIONS_ENV = "OSQUERY_EXTENSIONS";

export function autoloadedExtensions(log: SupervisorLog, limits: ExtensionLimitCheck | null = null): ExtensionSupervisor | null {
  if (flags.bool("disable_extensions")) return null;
  const binaries = autoloadBinaries(
    { loadFile: flags.get("extensions_autoload"), extension: flags.get("extension"), allowUnsafe: flags.bool("allow_unsafe") },
    log,
  );
  if (binaries.length === 0) return null;
  return new ExtensionSupervisor(
    binaries,
    () => ({
      socket: flags.get("extensions_socket"),
      timeout: flags.get("extensions_timeout"),
      interval: flags.get("extensions_interval"),
      verbose: flags.bool("verbose"),
      allowUnsafe: flags.bool("allow_unsafe"),
    }),
    log,
    limits,
  );
}

/** A watcher's extensions and what its workers are started with because of them. */
export interface WatchedExtensions {
  readonly supervisor: ExtensionSupervisor;
  readonly workerEnv: Readonly<Record<string, string>>;
  /** Starts them, and checks them every watchdog interval. */
  start(): void;
}

export function watchedExtensions(log: SupervisorLog, limits: ExtensionLimitCheck | null = null): WatchedExtensions | null {
  const supervisor = autoloadedExtensions(log, limits);
  if (!supervisor) return null;
  return { supervisor, workerEnv: { [MANAGED_EXTENSIONS_ENV]: "true" }, start: () => superviseExtensions(supervisor) };
}

/** Starts checking (and so starting) the supervisor's extensions every watchdog interval. */
export function superviseExtensions(supervisor: ExtensionSupervisor): void {
  supervisor.run(CHECK_INTERVAL_MS);
}

/**
 * osquery's hasManagedExtensions: this process starts extensions, or its
 * watcher does. A plugin not registered yet is then waited for.
 */
export function hasManagedExtensions(local: ExtensionSupervisor | null): boolean {
  return (local !== null && local.size > 0) || process.env[MANAGED_EXTENSIONS_ENV] !== undefined;
}
