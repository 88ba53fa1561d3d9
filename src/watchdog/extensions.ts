// --enable_extensions_watchdog (INTERFACES §10): osquery holds each extension
// process it started to the worker's limits, once the watchdog delay has
// passed, and stops one that breaks them; the extension manager then starts it
// again, as it does for an extension that died. This is that decision for one
// extension, on the worker's policy (policy.ts) unchanged: the manager that
// starts extensions samples the pid every check interval and acts on the verdict.
import type { ProcessUsage } from "../linux/proc.ts";
import { UsageMonitor, workerLimit, type WatchdogSettings } from "./policy.ts";

export type ExtensionVerdict =
  /** Alive, and within the limits or not held to them. */
  | { readonly kind: "ok" }
  /** Exited: start it again. */
  | { readonly kind: "gone" }
  /** Over a limit: log `message` as a warning, stop it (SIGTERM, SIGKILL after --watchdog_forced_shutdown_delay), start it again. */
  | { readonly kind: "stop"; readonly message: string };

export interface ExtensionWatchOptions {
  /** The extension's path, as osquery names it in the status line. */
  readonly name: string;
  readonly pid: number;
  readonly settings: WatchdogSettings;
  /** --enable_extensions_watchdog: without it only the extension's liveness is checked. */
  readonly enforce: boolean;
  /** Hardware threads, which scale the CPU budget. */
  readonly threads: number;
  /** Unix seconds the extension was started: nothing is enforced before `settings.delay` after it. */
  readonly startedAt: number;
}

/** Seconds between two samples of a watched extension: the worker's check interval. */
export function extensionCheckSeconds(settings: WatchdogSettings): number {
  return workerLimit("interval", settings);
}

/**
 * One extension process's watch. `check` takes its sample (processUsage(pid),
 * null once it has exited) and the time, every extensionCheckSeconds().
 */
export function watchExtension(opts: ExtensionWatchOptions): { check(usage: ProcessUsage | null, now: number): ExtensionVerdict } {
  const monitor = new UsageMonitor(opts.settings, opts.threads);
  return {
    check(usage, now) {
      if (usage === null) return { kind: "gone" };
      if (!opts.enforce) return { kind: "ok" };
      // Sampled even inside the delay: memory counts above the first sample, taken at start.
      const broken = monitor.check(usage);
      if (broken === null || now < opts.startedAt + opts.settings.delay) return { kind: "ok" };
      return { kind: "stop", message: `osquery extension ${opts.name} (${opts.pid}) stopping: ${broken}` };
    },
  };
}
