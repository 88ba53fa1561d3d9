// osquery's pidfile step, shared by the watcher (which holds the pidfile while
// the watchdog is on) and the single-process daemon; it loads no database.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { flags } from "../flags/flags.ts";
import { createPidfile, readPidfile, type HeldLock } from "../store/lock.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH (gone) or EPERM (not ours): either way this daemon cannot stop it.
    return false;
  }
}

/** Refuses a second daemon, or with --force stops the first; returns the error line when refused. */
export async function takePidfile(binary: string): Promise<HeldLock | string> {
  const path = flags.get("pidfile");
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch {
    // createPidfile reports the real problem
  }
  let lock = createPidfile(path);
  if (lock === "Busy" && flags.bool("force")) {
    const pid = readPidfile(path);
    if (pid !== null && pid !== process.pid && alive(pid)) {
      process.kill(pid, "SIGTERM");
      for (let retry = 0; retry < 5 && lock === "Busy"; retry++) {
        await Bun.sleep(2000);
        lock = createPidfile(path);
      }
    }
  }
  if (typeof lock !== "string") return lock;
  const holder = lock === "Busy" ? readPidfile(path) : null;
  return `${binary} Pidfile check failed: Pidfile::Error::${lock}${holder ? ` (${binary} is already running with pid ${holder}, ${path})` : ` (${path})`}`;
}
