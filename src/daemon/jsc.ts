// The JavaScriptCore options osqueryd's processes run with. A daemon runs the
// same few queries forever, and JSC's optimising tiers (baseline JIT, DFG,
// FTL) cost it more resident memory (their code and scratch memory, about
// 23 MB of a 100 MB worker) than they save in CPU: with the interpreter
// alone the worker's CPU in steady state was no higher (bench/daemon.ts).
// JIT-less JSC (useJIT=0) would save a little more but turns bun:ffi off,
// and with it inotify, netlink and the pidfile lock; useBaselineJIT=0 keeps
// the JIT's executable memory for bun:ffi's trampolines and stops the tiers.
//
// JSC reads its options from the environment once, when the runtime starts,
// so the daemon re-executes itself once (same pid, same arguments) with them
// set; the worker the watcher starts inherits them. A user's own value for
// an option wins (and ends the re-execution): BUN_JSC_useBaselineJIT=1
// gives the daemon its JIT back. The shell is not affected.
import { ownCommand } from "./daemonize.ts";

export const DAEMON_JSC_OPTIONS: Readonly<Record<string, string>> = { BUN_JSC_useBaselineJIT: "0" };

/** Set beside the options when osq put them there, so its children (extensions) do not inherit them. */
export const JSC_MARK = "OSQUERY_DAEMON_JSC";

/** The environment to re-execute with, or null when this process already runs with the options (or the user chose). */
export function reexecEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> | null {
  if (Object.keys(DAEMON_JSC_OPTIONS).some((name) => env[name] !== undefined)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return { ...out, ...DAEMON_JSC_OPTIONS, [JSC_MARK]: "1" };
}

/** An environment for a child that is not osq's daemon: without the options osq added. */
export function withoutDaemonOptions(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const added = env[JSC_MARK] !== undefined;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || (added && (k === JSC_MARK || k in DAEMON_JSC_OPTIONS))) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Re-executes this daemon with the options when they are not set yet; returns
 * only when it did not (options already there, or execve failed: the daemon
 * then runs with the JIT, as before).
 */
export function reexecWithDaemonOptions(): void {
  const env = reexecEnvironment(process.env);
  if (!env) return;
  const [exe, ...script] = ownCommand();
  // Present in every Bun osq is built with; checked so an older runtime only keeps its JIT.
  if (typeof process.execve !== "function") return;
  try {
    process.execve(exe!, [process.argv0, ...script, ...process.argv.slice(2)], env);
  } catch {
    // Not fatal: the daemon works the same with its JIT.
  }
}
