// Synchronous writes to standard output and standard error. process.stdout.write is asynchronous
// on pipes, and waiting for its callback before exit costs a full event-loop
// turn (about 10 ms); a write(2) loop costs nothing and loses nothing at exit.
import { writeSync } from "node:fs";

/**
 * What `$?` shows when a reader closes osquery's output (`osqueryi ... | head -1`):
 * osquery leaves SIGPIPE at its default and dies of it (128 + 13). Bun ignores
 * SIGPIPE, so osq exits with that status itself, without an error message.
 */
export const CLOSED_PIPE_EXIT = 141;

/** Writes all of `text` to `fd`, waiting out EAGAIN on a non-blocking pipe; a closed pipe ends the process quietly. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") process.exit(CLOSED_PIPE_EXIT);
      if (code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Writes all of `text` to fd 1 (see writeAll). */
export function writeStdout(text: string): void {
  writeAll(1, text);
}

/**
 * Writes all of `text` to fd 2 (see writeAll). Status lines use this rather
 * than process.stderr, whose stream machinery costs a process that writes
 * little else (the watcher) megabytes of resident memory.
 */
export function writeStderr(text: string): void {
  writeAll(2, text);
}
