// osqueryd's watcher (INTERFACES §10): the process a user starts holds the
// pidfile and runs no schedule. It starts the same binary again as the worker
// (OSQUERY_WORKER=<watcher pid>), checks the worker's memory and CPU every 3 s
// from /proc, stops it when it breaks a limit (SIGUSR1, SIGTERM, then SIGKILL
// after --watchdog_forced_shutdown_delay) and starts another, with osquery's
// back-off and exit rules (policy.ts). It imports no table, SQL or database
// code, so it stays near the runtime's own memory floor.
import { existsSync } from "node:fs";
import type { Subprocess } from "bun";
import { Flags, flags, parseCommandLine } from "../flags/flags.ts";
import { ERROR, INFO, WARNING, logToStderr, setStderrThreshold, verbose } from "../logger/glog.ts";
import { processUsage } from "../linux/proc.ts";
import { writeStderr } from "../io.ts";
import { takePidfile } from "../daemon/pidfile.ts";
import { ownCommand } from "../daemon/daemonize.ts";
import type { WatchedExtensions } from "../extensions/lifecycle.ts";
import type { ExtensionLimitCheck } from "../extensions/supervisor.ts";
import { watchExtension } from "./extensions.ts";
import { UsageMonitor, respawn, watcherViolation, workerLimit, type RespawnState, type WatchdogSettings } from "./policy.ts";

const FILE = "watcher.ts";
const EXIT_SUCCESS = 0;
const EXIT_FAILURE = 1;
const EXIT_CATASTROPHIC = 78;

/**
 * Whether this daemon start is the watcher: not a worker already, the watchdog
 * not disabled, and nothing that ends at once (--config_check, --config_dump,
 * --database_dump) or first detaches (--daemonize: its detached copy watches).
 * Flags that do not parse go to the daemon, which reports them.
 */
export function isWatcher(args: readonly string[]): boolean {
  if (process.env.OSQUERY_WORKER !== undefined) return false;
  const scratch = new Flags();
  if ("error" in parseCommandLine(args, scratch)) return false;
  // osquery checks --install and --uninstall before its watcher starts.
  const off = ["disable_watchdog", "config_check", "config_dump", "database_dump", "daemonize", "install", "uninstall"];
  return !off.some((name) => scratch.bool(name));
}

function settings(): WatchdogSettings {
  return {
    level: flags.num("watchdog_level"),
    memoryLimit: flags.num("watchdog_memory_limit"),
    utilizationLimit: flags.num("watchdog_utilization_limit"),
    latencyLimit: flags.num("watchdog_latency_limit"),
    delay: flags.num("watchdog_delay"),
    forcedShutdownDelay: flags.num("watchdog_forced_shutdown_delay"),
    maxDelay: flags.num("watchdog_max_delay"),
    alarmTimeout: Math.max(10, flags.num("alarm_timeout")),
  };
}

const warn = (m: string) => logToStderr(WARNING, FILE, 0, m);
const error = (m: string) => logToStderr(ERROR, FILE, 0, m);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A sleep that a stop request cuts short. */
class Pause {
  private wake: (() => void) | null = null;
  stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Ends the current sleep only (the worker exited). */
  interrupt(): void {
    this.wake?.();
  }

  /** Ends the current sleep and every later one (the watcher was asked to stop). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}

async function exitedWithin(child: Subprocess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([child.exited.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}

/**
 * Stops a worker: SIGTERM, then SIGKILL when it has not exited in time (the
 * forced delay after a limit, alarm_timeout − 4 s on a normal stop). Returns
 * false when even SIGKILL did not end it.
 */
async function stopChild(child: Subprocess, s: WatchdogSettings, forced: boolean): Promise<boolean> {
  const ms = (forced ? s.forcedShutdownDelay : s.alarmTimeout - 4) * 1000;
  if (ms > 0) {
    child.kill("SIGTERM");
    if (await exitedWithin(child, ms)) return true;
    warn(`osqueryd worker (${child.pid}) could not be stopped. Sending kill signal.`);
  }
  child.kill("SIGKILL");
  return exitedWithin(child, 2000);
}

/**
 * The autoloaded extensions, loaded only when there is an autoload file (or
 * --extension): most watchers manage none and load none of that code.
 */
async function watchedExtensions(s: WatchdogSettings): Promise<WatchedExtensions | null> {
  if (flags.bool("disable_extensions") || (!existsSync(flags.get("extensions_autoload")) && flags.get("extension") === "")) return null;
  const { watchedExtensions } = await import("../extensions/lifecycle.ts");
  const limits = flags.bool("enable_extensions_watchdog") ? extensionLimits(s) : null;
  return watchedExtensions({ warning: warn, error, verbose: (m) => verbose(FILE, m) }, limits);
}

/**
 * --enable_extensions_watchdog: each extension process held to the worker's
 * limits (watchExtension's verdict), sampled at every supervisor check.
 */
function extensionLimits(s: WatchdogSettings): ExtensionLimitCheck {
  const watches = new Map<number, ReturnType<typeof watchExtension>>();
  return (path, pid, startedAt) => {
    let watch = watches.get(pid);
    if (!watch) {
      watch = watchExtension({ name: path, pid, settings: s, enforce: true, threads: navigator.hardwareConcurrency, startedAt });
      watches.set(pid, watch);
    }
    const verdict = watch.check(processUsage(pid), nowSeconds());
    // A stopped or exited process is done with: its next start is a new pid, watched afresh.
    if (verdict.kind !== "ok") watches.delete(pid);
    return verdict.kind === "stop" ? verdict.message : null;
  };
}

/** `extraEnv`: what tells the worker that extensions are managed, so it waits for their plugins. */
function startWorker(extraEnv: Readonly<Record<string, string>>): Subprocess {
  return Bun.spawn([...ownCommand(), ...process.argv.slice(2)], {
    argv0: process.argv0,
    env: { ...process.env, OSQUERY_WORKER: String(process.pid), ...extraEnv },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

type WatchEnd = { readonly kind: "exited"; readonly code: number | null } | { readonly kind: "stopped" } | { readonly kind: "fatal"; readonly message: string };

/** Watches one worker until it exits, is stopped for a limit, or the watcher is asked to stop. */
async function watch(child: Subprocess, s: WatchdogSettings, pause: Pause, self: UsageMonitor): Promise<WatchEnd> {
  const startedAt = nowSeconds();
  const monitor = new UsageMonitor(s, navigator.hardwareConcurrency);
  const interval = workerLimit("interval", s) * 1000;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
    pause.interrupt();
  });
  for (;;) {
    if (!exited) await pause.sleep(interval);
    if (exited) return { kind: "exited", code: child.exitCode };
    if (pause.stopped) return { kind: "stopped" };
    const usage = processUsage(child.pid);
    // Gone between the two reads, or a reused pid that is not this watcher's child: nothing to judge.
    if (usage && usage.parent === process.pid) {
      const broken = monitor.check(usage);
      if (broken && nowSeconds() >= startedAt + s.delay) {
        warn(`osqueryd worker (${child.pid}) stopping: ${broken}`);
        child.kill("SIGUSR1");
        if (!(await stopChild(child, s, true))) return { kind: "fatal", message: `Watcher cannot stop worker process (${child.pid}).` };
        return { kind: "exited", code: child.exitCode };
      }
    }
    const own = processUsage(process.pid);
    const unhealthy = own ? watcherViolation(self, own) : "Cannot find watcher process";
    if (unhealthy) return { kind: "fatal", message: `Watcher has become unhealthy: ${unhealthy}` };
  }
}

/** Runs the watcher until SIGTERM/SIGINT or a respawn rule ends it; returns the exit code. */
export async function runWatcher(args: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(args);
  if ("error" in parsed) {
    writeStderr(`ERROR: ${parsed.error}\n`);
    return EXIT_FAILURE;
  }
  // As osquery's watcher: no logger plugin and no database, only stderr.
  flags.force("disable_database", "true");
  flags.force("disable_logging", "true");
  if (flags.bool("verbose")) setStderrThreshold(INFO);
  const s = settings();

  const pidfile = flags.bool("ephemeral") ? null : await takePidfile("osqueryd");
  if (typeof pidfile === "string") {
    error(pidfile);
    return EXIT_FAILURE;
  }
  const pause = new Pause();
  let worker: Subprocess | null = null;
  // Autoloaded extensions are the watcher's children, as in osquery: they outlive a worker restart.
  const extensions = await watchedExtensions(s);
  const onStop = () => pause.stop();
  // osquery's users reload with `kill -HUP $(cat pidfile)`, which names the watcher.
  const onHup = () => worker?.kill("SIGHUP");
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);
  // The worker's own SIGUSR1 is the watcher's warning; one sent to the watcher is ignored.
  process.on("SIGUSR1", () => verbose(FILE, "SIGUSR1 ignored by the watcher"));

  const self = new UsageMonitor(s, navigator.hardwareConcurrency);
  let state: RespawnState = { lastStart: 0, restarts: 0 };
  let code = EXIT_SUCCESS;
  let lastExit: number | null = null;
  for (let first = true; !pause.stopped; first = false) {
    if (!first) {
      const next = respawn(state, lastExit, nowSeconds(), s);
      if (next.kind === "exit") {
        error(next.message);
        code = next.code;
        break;
      }
      if (next.waitSeconds > 0) {
        warn(`osqueryd worker respawning too quickly: ${next.restarts} times`);
        await pause.sleep(next.waitSeconds * 1000);
        if (pause.stopped) break;
      }
      state = { ...state, restarts: next.restarts };
    }
    try {
      worker = startWorker(extensions?.workerEnv ?? {});
    } catch (e) {
      error(`osqueryd could not create a worker process: ${(e as Error).message}`);
      code = EXIT_FAILURE;
      break;
    }
    state = { ...state, lastStart: nowSeconds() };
    verbose(FILE, `osqueryd watcher (${process.pid}) executing worker (${worker.pid})`);
    // First started right after the first worker, whose extension manager they register with.
    if (extensions && first) extensions.start();
    const end = await watch(worker, s, pause, self);
    if (end.kind === "fatal") {
      error(end.message);
      await stopChild(worker, s, false);
      code = EXIT_CATASTROPHIC;
      break;
    }
    if (end.kind === "exited") lastExit = end.code;
  }
  // Asked to stop (or giving up): the worker gets the normal shutdown time.
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    if (!(await stopChild(worker, s, false))) {
      error(`Watcher cannot stop worker process (${worker.pid}).`);
      code = EXIT_CATASTROPHIC;
    }
  }
  await extensions?.supervisor.stop();
  process.off("SIGTERM", onStop);
  process.off("SIGINT", onStop);
  process.off("SIGHUP", onHup);
  pidfile?.release(true);
  return code;
}
