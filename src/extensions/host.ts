// What a process serving the extension manager (osqueryd's worker, the
// single-process daemon, the shell) runs beside it: the autoloaded
// extensions when it starts them itself (no watcher does), core's health
// checks of registered extensions, and the --extensions_require wait. Kept
// apart from lifecycle.ts so the watcher, which only starts extensions, never
// loads the manager.
import { flags } from "../flags/flags.ts";
import { flagMs } from "./delay.ts";
import { ExtensionHealth } from "./health.ts";
import { autoloadedExtensions, hasManagedExtensions, superviseExtensions } from "./lifecycle.ts";
import { setManagedExtensions, waitForRequiredExtensions, type ExtensionManager } from "./manager.ts";
import type { ExtensionSupervisor } from "./supervisor.ts";

export interface HostLog {
  readonly info: (message: string) => void;
  readonly warning: (message: string) => void;
  readonly error: (message: string) => void;
  readonly verbose: (message: string) => void;
}

export class ExtensionHost {
  private health: ExtensionHealth | null = null;

  private constructor(
    private readonly supervisor: ExtensionSupervisor | null,
    private readonly log: HostLog,
  ) {}

  /**
   * Reads the autoload list when this process starts extensions itself
   * (`launches`: no watcher does it), and tells the manager whether plugins
   * may still arrive from managed extensions. Call before the manager starts.
   */
  static prepare(launches: boolean, log: HostLog): ExtensionHost {
    const supervisor = launches ? autoloadedExtensions(log) : null;
    setManagedExtensions(hasManagedExtensions(supervisor) ? Math.max(1, supervisor?.size ?? 0) : 0);
    return new ExtensionHost(supervisor, log);
  }

  /**
   * Once the manager listens: starts the extensions this process manages
   * and the health checks, then waits for --extensions_require. Returns
   * osquery's message for a required extension that never registered (the
   * caller exits 78), else null.
   */
  async start(manager: ExtensionManager | null): Promise<string | null> {
    if (!manager) return null;
    if (this.supervisor) superviseExtensions(this.supervisor);
    this.health = new ExtensionHealth(
      manager,
      () => ({ intervalMs: flagMs(flags.get("extensions_interval")), timeoutMs: flagMs(flags.get("extensions_timeout")) }),
      { info: this.log.info, verbose: this.log.verbose },
    );
    this.health.start();
    const missing = await waitForRequiredExtensions();
    if (missing) this.log.error(`An error occurred during extension manager startup: ${missing}`);
    return missing;
  }

  /** Stops the health checks and the extensions this process started. */
  async stop(): Promise<void> {
    await this.health?.stop();
    await this.supervisor?.stop();
  }
}
