// --daemonize. osquery calls daemon(0, 0) before it takes its pidfile: the
// process forks, the parent exits 0, and the child starts a new session, moves
// to "/" and has /dev/null for stdin, stdout and stderr. Bun cannot fork a
// running JavaScript process, so the daemon starts itself again that way (a
// detached child calls setsid) with the same flags plus --nodaemonize, and
// the parent exits; the pidfile is the child's, as in osquery.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage } from "../logger/glog.ts";

/**
 * The path this executable was started by, when it names the same file
 * (`/usr/bin/osqueryd`, `dist/osqueryd`): executed by that path, a process is
 * named after it (its comm), so `processes.name` is still "osqueryd", as
 * packs and monitoring queries expect, and not the file's own name. Else the
 * executable's own path.
 */
function invokedExecutable(): string {
  const argv0 = process.argv0;
  try {
    const candidate = argv0.includes("/") ? resolve(argv0) : Bun.which(argv0);
    if (candidate && realpathSync(candidate) === realpathSync(process.execPath)) return candidate;
  } catch {
    // argv0 names nothing that exists any more: the executable's own path is the answer
  }
  return process.execPath;
}

/** The command that runs this program again: the executable, and the script when run from source. */
export function ownCommand(): string[] {
  // Compiled, argv[1] is the binary's own virtual path; run from source, it is the script.
  const script = process.argv[1];
  return script && !script.startsWith("/$bunfs/") ? [process.execPath, script] : [invokedExecutable()];
}

/** Starts the detached copy of this daemon; returns an error text when it cannot be started. */
export function daemonize(args: readonly string[]): string | null {
  try {
    const child = Bun.spawn([...ownCommand(), "daemon", ...args, "--nodaemonize"], {
      argv0: process.argv0,
      cwd: "/",
      detached: true,
      stdio: ["ignore", "ignore", "ignore"],
    });
    child.unref();
    return null;
  } catch (e) {
    return errorMessage(e);
  }
}
