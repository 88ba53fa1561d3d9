// The one binding of glibc through bun:ffi: the calls Node and Bun do not
// expose (netlink and interface ioctls, xattrs, flock, strftime's %Z, the MEI
// device's ioctl/read/write, prctl's parent-death signal, syslog(3), inotify,
// the uevent and audit netlink sockets, mkfifo for the syslog pipe, free(3)
// for what other C libraries allocate), and statx, which node:fs has but
// answers with an object per call. libc.so.6 is opened once, on first use, so a
// process that never needs it never loads it. Callers get null when it cannot
// be opened (not glibc, e.g. musl) and fall back to what they can do without.
import { dlopen, FFIType, read } from "bun:ffi";
import { verbose } from "../logger/glog.ts";

const { i32, u32, i64, u64, ptr, void: none } = FFIType;

const SYMBOLS = {
  // file descriptors
  open: { args: [ptr, i32], returns: i32 },
  close: { args: [i32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i64 },
  write: { args: [i32, ptr, u64], returns: i64 },
  ioctl: { args: [i32, u64, ptr], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  mkfifo: { args: [ptr, u32], returns: i32 },
  __errno_location: { args: [], returns: ptr },
  // sockets and interfaces
  socket: { args: [i32, i32, i32], returns: i32 },
  send: { args: [i32, ptr, u64, i32], returns: i64 },
  recv: { args: [i32, ptr, u64, i32], returns: i64 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, ptr, ptr], returns: i32 },
  getifaddrs: { args: [ptr], returns: i32 },
  freeifaddrs: { args: [ptr], returns: none },
  getnameinfo: { args: [ptr, u32, ptr, u32, ptr, u32, i32], returns: i32 },
  if_indextoname: { args: [u32, ptr], returns: ptr },
  // extended attributes
  listxattr: { args: [ptr, ptr, u64], returns: i64 },
  getxattr: { args: [ptr, ptr, ptr, u64], returns: i64 },
  setxattr: { args: [ptr, ptr, ptr, u64, i32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  // inotify (file_events)
  inotify_init1: { args: [i32], returns: i32 },
  inotify_add_watch: { args: [i32, ptr, u32], returns: i32 },
  inotify_rm_watch: { args: [i32, i32], returns: i32 },
  poll: { args: [ptr, u64, i32], returns: i32 },
  // processes
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
  // the system logger (syslog(3) is variadic: it is only ever called with "%s" and one string)
  openlog: { args: [ptr, i32, i32], returns: none },
  syslog: { args: [i32, ptr, ptr], returns: none },
  closelog: { args: [], returns: none },
  // time
  localtime_r: { args: [ptr, ptr], returns: ptr },
  strftime: { args: [ptr, u64, ptr, ptr], returns: u64 },
  tzset: { args: [], returns: none },
  // memory a C library hands over (libaugeas's match lists)
  free: { args: [ptr], returns: none },
} as const;

export type Libc = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

let opened: Libc | null | undefined;

/** libc's symbols, opened on the first call; null when libc.so.6 cannot be opened. */
export function libc(): Libc | null {
  if (opened === undefined) {
    try {
      opened = dlopen("libc.so.6", SYMBOLS).symbols;
    } catch (e) {
      verbose("libc.ts", `libc.so.6 cannot be opened, calls into libc are skipped: ${(e as Error).message}`);
      opened = null;
    }
  }
  return opened;
}

/** statx(2)'s C signature: dirfd, path, flags, mask, struct statx *. */
export type Statx = (dirfd: number, path: number, flags: number, mask: number, out: number) => number;

let statxOpened: Statx | null | undefined;

/**
 * glibc's statx, bound on its own: it arrived in glibc 2.28, and one missing
 * symbol fails a whole dlopen, so an older glibc loses only this call.
 */
export function libcStatx(): Statx | null {
  if (statxOpened === undefined) {
    try {
      statxOpened = dlopen("libc.so.6", { statx: { args: [i32, ptr, i32, u32, ptr], returns: i32 } }).symbols.statx as Statx;
    } catch (e) {
      verbose("libc.ts", `statx is not in libc.so.6, stat calls go through node:fs: ${(e as Error).message}`);
      statxOpened = null;
    }
  }
  return statxOpened;
}

/** The errno values callers act on (Linux's numbers, the same on every architecture osq ships for). */
export const EINTR = 4;
export const EAGAIN = 11;
export const ENOBUFS = 105;

/** errno after a failed call (read right after it: any later call may change it). */
export function errno(lib: Libc): number {
  const p = lib.__errno_location();
  return p ? read.i32(p, 0) : 0;
}
