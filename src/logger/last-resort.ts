// The last resort for an error no code path handled: an unhandled promise
// rejection or an exception thrown out of a timer or event callback. Without
// this, Bun prints the error with its (minified) stack and exits.
//
// Every loop in osq handles its own errors, so reaching here is a bug; it
// still becomes one status line in glog's layout. The shell then exits 1, as
// any failed run does. The daemon hands the line to its status log (and so to
// the logger plugins) and keeps going: the work that failed was one callback,
// and the scheduler, reloads and logging carry on without it.
import { ERROR, errorMessage, logToStderr } from "./glog.ts";

type Reporter = (message: string) => void;

let reporter: Reporter | null = null;

function handle(kind: string, e: unknown): void {
  const message = `${kind}: ${errorMessage(e)}`;
  if (reporter) {
    try {
      reporter(message);
      return;
    } catch {
      // the status log itself failed: fall through to stderr and exit
    }
  }
  logToStderr(ERROR, "main.ts", 0, message);
  process.exit(1);
}

/** Installs the handlers; until `keepRunning` is called an unhandled error ends the process. */
export function installLastResort(): void {
  process.on("unhandledRejection", (e: unknown) => handle("Unhandled promise rejection", e));
  process.on("uncaughtException", (e: unknown) => handle("Uncaught exception", e));
}

/** From now on unhandled errors go to `report` and the process keeps running (the daemon). */
export function keepRunning(report: Reporter): void {
  reporter = report;
}
