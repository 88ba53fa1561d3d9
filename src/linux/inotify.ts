// inotify(7) through bun:ffi: a non-blocking, close-on-exec descriptor, watches
// added and removed by path, and the queued events read out without waiting.
// The caller polls read() from the event loop; nothing here ever blocks.
import { ptr } from "bun:ffi";
import { EAGAIN, EINTR, errno, libc, type Libc } from "./libc.ts";

export const IN_ACCESS = 0x1;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_OPEN = 0x20;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ISDIR = 0x40000000;

const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
/** struct inotify_event: wd, mask, cookie, len, then len bytes of NUL-padded name. */
const HEADER = 16;

export interface InotifyEvent {
  readonly wd: number;
  readonly mask: number;
  readonly cookie: number;
  /** The entry's name inside the watched directory, "" for the watched path itself. */
  readonly name: string;
}

export class Inotify {
  private constructor(
    private readonly lib: Libc,
    readonly fd: number,
    private readonly buf: Buffer,
  ) {}

  /** A new inotify instance, or the reason there is none. */
  static open(bufferBytes = 512 * 1024): Inotify | string {
    const lib = libc();
    if (!lib) return "libc.so.6 cannot be opened";
    const fd = lib.inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return `inotify_init1 failed (errno ${errno(lib)})`;
    return new Inotify(lib, fd, Buffer.alloc(bufferBytes));
  }

  /** The watch descriptor for `path`, or -errno. Adding a watched path again returns its descriptor. */
  addWatch(path: string, mask: number): number {
    const wd = this.lib.inotify_add_watch(this.fd, ptr(Buffer.from(`${path}\0`)), mask >>> 0);
    return wd < 0 ? -errno(this.lib) : wd;
  }

  removeWatch(wd: number): void {
    this.lib.inotify_rm_watch(this.fd, wd);
  }

  /**
   * The events queued now (one read, up to the buffer's size), or null when
   * none are; throws when the descriptor fails.
   */
  read(): InotifyEvent[] | null {
    for (;;) {
      const n = Number(this.lib.read(this.fd, ptr(this.buf), this.buf.length));
      if (n < 0) {
        const e = errno(this.lib);
        if (e === EINTR) continue;
        if (e === EAGAIN) return null;
        throw new Error(`inotify read failed (errno ${e})`);
      }
      if (n === 0) return null;
      return parseEvents(this.buf, n);
    }
  }

  close(): void {
    this.lib.close(this.fd);
  }
}

/** The events in the first `length` bytes of a read. */
export function parseEvents(buf: Buffer, length: number): InotifyEvent[] {
  const out: InotifyEvent[] = [];
  for (let off = 0; off + HEADER <= length; ) {
    const len = buf.readUInt32LE(off + 12);
    let end = off + HEADER;
    const stop = end + len;
    while (end < stop && buf[end] !== 0) end++;
    out.push({
      wd: buf.readInt32LE(off),
      mask: buf.readUInt32LE(off + 4),
      cookie: buf.readUInt32LE(off + 8),
      name: buf.toString("utf8", off + HEADER, end),
    });
    off = stop;
  }
  return out;
}
