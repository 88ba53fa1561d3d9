// Autoloaded extensions as child processes (osquery's watchExtensions and
// createExtension): each binary is started as
//   <path> [--verbose] --socket <em> --timeout <t> --interval <i>
// with OSQUERY_EXTENSION set to its own pid, and started again when a check
// finds it gone. The watcher runs this; with --disable_watchdog (and in the
// shell) the one process does, as osquery's WatcherRunner thread does.
import { dirname } from "node:path";
import type { Subprocess } from "bun";
import { pathExists, safePermissions } from "../linux/fs.ts";
import { errorMessage } from "../logger/glog.ts";
import { withoutDaemonOptions } from "../daemon/jsc.ts";

/** The flags an extension is started with, read at each start (osquery reads them then too). */
export interface LaunchSettings {
  readonly socket: string;
  readonly timeout: string;
  readonly interval: string;
  readonly verbose: boolean;
  readonly allowUnsafe: boolean;
}

export interface SupervisorLog {
  readonly warning: (message: string) => void;
  readonly error: (message: string) => void;
  readonly verbose: (message: string) => void;
}

/**
 * Optional policy applied to each running extension at every check
 * (--enable_extensions_watchdog): the warning to log as it is stopped
 * (osquery's "osquery extension PATH (PID) stopping: ..."), or null. It is
 * started again at the next check.
 */
export type ExtensionLimitCheck = (path: string, pid: number, startedAt: number) => string | null;

/**
 * Exports the child's own pid before exec, as osquery's fork sets it: Bun
 * cannot run code between fork and exec, and `exec` keeps the shell's pid.
 * The binary and its arguments are positional parameters, never parsed as shell text.
 */
const SET_OWN_PID = 'OSQUERY_EXTENSION=$$; export OSQUERY_EXTENSION; exec "$0" "$@"';
const SHELL = "/bin/sh";

/** A quick second start: osquery warns but starts it anyway (it has no give-up rule for extensions). */
const RESPAWN_LIMIT_SECONDS = 4;
/** How long a stopped extension gets after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3000;

interface Managed {
  child: Subprocess | null;
  startedAt: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class ExtensionSupervisor {
  private readonly managed = new Map<string, Managed>();
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    binaries: readonly string[],
    private readonly settings: () => LaunchSettings,
    private readonly log: SupervisorLog,
    private readonly limits: ExtensionLimitCheck | null = null,
  ) {
    for (const path of binaries) this.managed.set(path, { child: null, startedAt: 0 });
  }

  get size(): number {
    return this.managed.size;
  }

  /** Pids of the running extensions, by binary. */
  pids(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [path, m] of this.managed) if (m.child && m.child.exitCode === null && m.child.signalCode === null) out.set(path, m.child.pid);
    return out;
  }

  /** One round of osquery's watchExtensions: starts each extension that is not running. */
  check(): void {
    if (this.stopped) return;
    for (const [path, m] of this.managed) {
      const running = m.child !== null && m.child.exitCode === null && m.child.signalCode === null;
      if (running && this.limits && m.child) {
        const broken = this.limits(path, m.child.pid, m.startedAt);
        if (broken) {
          this.log.warning(broken);
          void this.stopOne(m.child);
          m.child = null;
          continue; // started again at the next check, after the stop
        }
      }
      if (!running) this.start(path, m);
    }
  }

  private start(path: string, m: Managed): void {
    if (m.startedAt > nowSeconds() - RESPAWN_LIMIT_SECONDS) this.log.warning(`Extension respawning too quickly: ${path}`);
    const s = this.settings();
    // The binary is checked again at each start: one that became unsafe is not run.
    if (!pathExists(path)) {
      this.log.warning(`Extension binary doesn't exist in: ${path}`);
      return;
    }
    if (!safePermissions(dirname(path), path, true, s.allowUnsafe)) {
      this.log.warning(`Extension binary has unsafe permissions: ${path}`);
      return;
    }
    const args = [...(s.verbose ? ["--verbose"] : []), "--socket", s.socket, "--timeout", s.timeout, "--interval", s.interval];
    try {
      // An extension built on Bun runs with its own JSC options, not the daemon's.
      m.child = Bun.spawn([SHELL, "-c", SET_OWN_PID, path, ...args], { stdio: ["ignore", "inherit", "inherit"], env: withoutDaemonOptions(process.env) });
    } catch (e) {
      this.log.error(`Cannot create extension process: ${path}: ${errorMessage(e)}`);
      m.child = null;
      return;
    }
    m.startedAt = nowSeconds();
    this.log.verbose(`Created and monitoring extension child (${m.child.pid}): ${path}`);
  }

  private async stopOne(child: Subprocess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await child.exited;
    clearTimeout(timer);
  }

  /** Checks now and then every `intervalMs` (osquery's watchdog interval) until stop(). */
  run(intervalMs: number): void {
    this.check();
    this.timer ??= setInterval(() => this.check(), intervalMs);
  }

  /** Stops every extension (SIGTERM, SIGKILL after a grace period) and starts none again. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.managed.values()].map((m) => (m.child ? this.stopOne(m.child) : Promise.resolve())));
  }
}
