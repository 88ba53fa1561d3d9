// The watchdog's decisions (INTERFACES §10), apart from any process: which
// limits a --watchdog_level gives, whether a sample of the worker breaks one,
// and how long to wait before the next worker. Samples and times are passed
// in, so tests drive every rule without starting or waiting for a process.
import type { ProcessUsage } from "../linux/proc.ts";

export type LimitName = "memory" | "utilization" | "respawn" | "respawnDelay" | "latency" | "interval";

/** osquery's profiles: [level 0 (normal), level 1 (restrictive), level -1 (off)]. */
const PROFILES: Record<LimitName, readonly [number, number, number]> = {
  memory: [200, 100, 10000], // MB above the first sample
  utilization: [10, 5, 100], // percent of every hardware thread
  respawn: [4, 4, 1000], // a worker younger than this many seconds died "too quickly"; also the restart budget
  respawnDelay: [5, 5, 1], // seconds, before the exponential back-off
  latency: [12, 6, 1000], // seconds of sustained over-budget CPU
  interval: [3, 3, 3], // seconds between checks
};

/** The flags the watchdog reads, as numbers. */
export interface WatchdogSettings {
  readonly level: number;
  readonly memoryLimit: number;
  readonly utilizationLimit: number;
  readonly latencyLimit: number;
  /** Seconds after a worker starts before any limit is enforced. */
  readonly delay: number;
  readonly forcedShutdownDelay: number;
  readonly maxDelay: number;
  readonly alarmTimeout: number;
}

/** A limit under the settings: an explicit --watchdog_*_limit above 0 beats the level's profile. */
export function workerLimit(name: LimitName, s: WatchdogSettings): number {
  if (name === "memory" && s.memoryLimit > 0) return s.memoryLimit;
  if (name === "utilization" && s.utilizationLimit > 0) return s.utilizationLimit;
  if (name === "latency" && s.latencyLimit > 0) return s.latencyLimit;
  // Any level other than 1 and -1 acts as 0, as osquery's getWorkerLimit reads it.
  const column = s.level === -1 ? 2 : s.level === 1 ? 1 : 0;
  return PROFILES[name][column];
}

/** CPU milliseconds the worker may use per check: the percentage of every hardware thread. */
export function cpuBudgetMs(s: WatchdogSettings, threads: number): number {
  const percent = Math.min(workerLimit("utilization", s), 100);
  return Math.floor((percent * workerLimit("interval", s) * 1000 * threads) / 100);
}

/**
 * One watched process's counters across checks. Memory is what the process
 * grew by since its first sample (the runtime's own floor is not held against
 * it); CPU is a streak of checks over budget, reset by any check under it.
 */
export class UsageMonitor {
  private sustained = 0;
  private userMs = 0;
  private systemMs = 0;
  private initialBytes = 0;

  constructor(
    private readonly settings: WatchdogSettings,
    private readonly threads: number,
  ) {}

  /** The limit `usage` breaks, as osquery words it, or null when within limits. */
  check(usage: ProcessUsage): string | null {
    const budget = cpuBudgetMs(this.settings, this.threads);
    const used = usage.userMs - this.userMs + (usage.systemMs - this.systemMs);
    this.sustained = used > budget ? this.sustained + 1 : 0;
    this.userMs = usage.userMs;
    this.systemMs = usage.systemMs;
    if (this.initialBytes === 0) this.initialBytes = usage.residentBytes;
    const footprint = Math.max(0, usage.residentBytes - this.initialBytes);

    const seconds = this.sustained * workerLimit("interval", this.settings);
    if (this.sustained > 0 && seconds >= workerLimit("latency", this.settings)) {
      return `Maximum sustainable CPU utilization limit ${budget}ms exceeded for ${seconds} seconds`;
    }
    return memoryViolation(footprint, this.settings);
  }
}

function memoryViolation(footprint: number, s: WatchdogSettings): string | null {
  const limit = workerLimit("memory", s);
  if (footprint === 0 || footprint <= limit * 1024 * 1024) return null;
  return `Memory limits exceeded: ${footprint} bytes (limit is ${limit}MB)`;
}

/** The watcher is held to the memory limit as well (not to the CPU one: it only waits). */
export function watcherViolation(monitor: UsageMonitor, usage: ProcessUsage): string | null {
  const found = monitor.check(usage);
  return found?.startsWith("Memory") ? found : null;
}

/** What the watcher does when its worker is gone. */
export type Respawn =
  | { readonly kind: "exit"; readonly code: number; readonly message: string }
  | { readonly kind: "start"; readonly waitSeconds: number; readonly restarts: number };

export interface RespawnState {
  /** Unix seconds the current worker was started; 0 before the first. */
  readonly lastStart: number;
  /** Quick restarts so far: never reset while the watcher lives. */
  readonly restarts: number;
}

/**
 * osquery's rules: a worker that exits 78 ends the watcher with 78; once the
 * quick restarts reach the respawn limit the watcher gives up with 1; a
 * worker that lived less than the respawn limit counts as a quick restart and
 * the next waits respawn delay + 2^restarts seconds (at most --watchdog_max_delay).
 * Any other end, an exit 0 included, starts a new worker.
 */
export function respawn(state: RespawnState, exitCode: number | null, now: number, s: WatchdogSettings): Respawn {
  if (exitCode === 78) return { kind: "exit", code: 78, message: "Worker returned exit status" };
  const limit = workerLimit("respawn", s);
  if (state.restarts === limit) return { kind: "exit", code: 1, message: "Too many worker restarts" };
  if (state.lastStart > now - limit) {
    const restarts = state.restarts + 1;
    const wait = Math.min(s.maxDelay, workerLimit("respawnDelay", s) + 2 ** restarts);
    return { kind: "start", waitSeconds: wait, restarts };
  }
  return { kind: "start", waitSeconds: 0, restarts: state.restarts };
}
