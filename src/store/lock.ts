// Exclusive, crash-safe process locks with flock(2), as osquery's pidfile uses.
// The kernel drops a flock when its holder dies (even by SIGKILL), so a stale
// pidfile never blocks a restart, while a live daemon always does.
import { closeSync, openSync, readFileSync, ftruncateSync, writeSync, unlinkSync, fchmodSync } from "node:fs";
import { libc } from "../linux/libc.ts";
import { errorMessage, verbose } from "../logger/glog.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;

function flock(fd: number, op: number): number {
  const c = libc();
  return c ? c.flock(fd, op) : 0; // no glibc: locking is best effort (the pid check below still applies)
}

export type LockError = "Busy" | "AccessDenied" | "IOError";

export interface HeldLock {
  readonly path: string;
  /** Releases the lock; `remove` also unlinks the file (the pidfile). */
  release(remove: boolean): void;
}

/** Takes an exclusive lock on `path` (created with `mode` if missing) without waiting. */
export function tryLock(path: string, mode = 0o644): HeldLock | LockError {
  let fd: number;
  try {
    fd = openSync(path, "a+", mode);
  } catch (e) {
    // The caller reports osquery's error name; the system's reason is detail.
    verbose("lock.ts", `Cannot open ${path}: ${errorMessage(e)}`);
    return (e as NodeJS.ErrnoException).code === "EACCES" ? "AccessDenied" : "IOError";
  }
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    return "Busy";
  }
  return {
    path,
    release(remove: boolean) {
      if (remove) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
      closeSync(fd); // closing the last descriptor drops the flock
    },
  };
}

/** Creates and locks the pidfile and writes our pid in it (osquery's Pidfile::create). */
export function createPidfile(path: string): HeldLock | LockError {
  const lock = tryLock(path, 0o644);
  if (typeof lock === "string") return lock;
  try {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, String(process.pid));
      fchmodSync(fd, 0o644);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    verbose("lock.ts", `Cannot write the pid to ${path}: ${errorMessage(e)}`);
    lock.release(true);
    return "IOError";
  }
  return lock;
}

/** The pid written in a pidfile, or null. */
export function readPidfile(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    // An unreadable pidfile names no holder; the caller's error says so.
    return null;
  }
}
