// Synchronous writes to standard output. process.stdout.write is asynchronous
// on pipes, and waiting for its callback before exit costs a full event-loop
// turn (about 10 ms); a write(2) loop costs nothing and loses nothing at exit.
import { writeSync } from "node:fs";

/** Writes all of `text` to fd 1, waiting out EAGAIN on a non-blocking pipe. */
export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
