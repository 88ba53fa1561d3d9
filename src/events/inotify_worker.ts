// The inotify reader thread: waits in poll(2) on the publisher's descriptor
// and copies each read into the shared ring, so the kernel's queue is emptied
// even while the main thread runs a long query. Watches and everything else
// stay on the main thread; this thread only moves bytes.
import { ptr } from "bun:ffi";
import { ByteRing, WAKE_MESSAGE } from "../linux/byte_ring.ts";
import { EAGAIN, EINTR, errno, libc } from "../linux/libc.ts";

declare const self: Worker;

const POLLIN = 1;
/** poll's timeout: how soon a stop is noticed. */
const WAIT_MS = 250;

export interface ReaderStart {
  readonly fd: number;
  readonly ring: SharedArrayBuffer;
}

function run({ fd, ring: shared }: ReaderStart): void {
  const ring = new ByteRing(shared);
  const lib = libc();
  try {
    if (!lib) return;
    const pfd = Buffer.alloc(8);
    pfd.writeInt32LE(fd, 0);
    pfd.writeInt16LE(POLLIN, 4);
    const buf = Buffer.alloc(256 * 1024);
    while (!ring.stopped) {
      const ready = lib.poll(ptr(pfd), 1, WAIT_MS);
      if (ready <= 0) continue;
      for (;;) {
        const n = Number(lib.read(fd, ptr(buf), buf.length));
        if (n < 0) {
          const e = errno(lib);
          if (e === EINTR) continue;
          if (e === EAGAIN) break;
          postMessage(`inotify read failed (errno ${e}): the reader thread stops`);
          return;
        }
        if (n === 0 || !ring.put(buf.subarray(0, n))) break;
        // The main thread sleeps until told: no timer runs while nothing happens.
        if (ring.shouldWake()) postMessage(WAKE_MESSAGE);
      }
    }
  } finally {
    ring.done();
  }
}

self.onmessage = (e: MessageEvent<ReaderStart>) => run(e.data);
