// The worker's side of the watchdog: a daemon started by a watcher (with
// OSQUERY_WORKER=<watcher pid>) stops when its watcher is gone, killed with
// SIGKILL included, and when the watcher warns it of a resource limit
// (SIGUSR1). The warning is remembered so that the query running at that
// moment stays recorded as executing_query and is denylisted by the next worker.
import { runtime } from "../runtime.ts";
import { verbose } from "../logger/glog.ts";
import { libc } from "../linux/libc.ts";

/** How often the worker looks for its watcher; osquery looks every 3 s, the contract asks for 3 s at most. */
const WATCHER_POLL_MS = 1000;
const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/** The watcher's pid when this process is a worker, else null. */
export function watcherPid(): number | null {
  const raw = process.env.OSQUERY_WORKER;
  if (raw === undefined) return null;
  const pid = Number(raw);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Makes the kernel SIGKILL this worker when its watcher dies without stopping
 * it first (SIGKILL, a crash): busy or not, the worker is gone at once and its
 * database lock is free for the next osqueryd. Returns false when the watcher
 * is already gone (the signal would never come): the worker then must not start.
 */
export function dieWithWatcher(watcher: number): boolean {
  if (libc()?.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) !== 0) {
    verbose("watcher.ts", "prctl(PR_SET_PDEATHSIG) failed: the worker notices its watcher's death by polling");
  }
  // Checked after prctl: a watcher that died before it left this process to the reaper.
  return process.ppid === watcher;
}

/**
 * One turn of the event loop. Bun runs signal handlers (SIGTERM, the
 * watcher's SIGUSR1) only when its event loop turns, and queries awaited back
 * to back, each holding the thread inside SQLite, may never give it one.
 */
export function letSignalsIn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Whether the watcher has warned this worker of a resource limit, asked right
 * after a query: a SIGUSR1 sent during the query is handled only now.
 */
export async function resourceLimitHitAfterQuery(): Promise<boolean> {
  await letSignalsIn();
  return runtime.resourceLimitHit;
}

/**
 * Calls `stop` once, when the watcher is no longer this process's parent or
 * sends SIGUSR1. Returns the function that ends the supervision.
 */
export function superviseWorker(watcher: number, stop: () => void): () => void {
  runtime.watcherPid = watcher;
  let stopped = false;
  const stopOnce = () => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  // Bun reads process.ppid afresh on each access: a dead watcher makes it the reaper's pid.
  const timer = setInterval(() => {
    if (process.ppid === watcher) return;
    verbose("watcher.ts", `osqueryd worker (${process.pid}) detected killed watcher (${watcher})`);
    stopOnce();
  }, WATCHER_POLL_MS);
  const onLimit = () => {
    runtime.resourceLimitHit = true;
    stopOnce();
  };
  process.on("SIGUSR1", onLimit);
  return () => {
    clearInterval(timer);
    process.off("SIGUSR1", onLimit);
  };
}
