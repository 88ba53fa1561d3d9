// stat(2) facts of one path as the file-like tables report them, read with
// one statx(2) call into a reused buffer. The `file` table stats every entry
// of a listing; node:fs's lstatSync makes a Stats object per call (with
// { bigint: true }, a dozen BigInts), which cost more than the system call
// itself. Where libc has no statx (musl, glibc before 2.28) node:fs answers.
//
// Failures are rare (a dangling link's target, a permission, a race with a
// delete), so on one the path is asked of node:fs again for its error: the
// caller sees the same ErrnoException as from lstatSync/statSync.
import { ptr } from "bun:ffi";
import { lstatSync, statSync, type BigIntStats } from "node:fs";
import { libcStatx, type Statx } from "./libc.ts";

export interface FileStat {
  /** 64-bit values are numbers while they are exact (below 2^53), bigints past that. */
  readonly ino: number | bigint;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  /** glibc's makedev() of the device a special file stands for; 0 for others. */
  readonly rdev: number | bigint;
  readonly size: number | bigint;
  readonly blksize: number;
  /** Whole seconds (tv_sec, as osquery reads st_atime and the others). */
  readonly atime: number;
  readonly mtime: number;
  readonly ctime: number;
  /** Whole seconds; 0 when the filesystem records no birth time. */
  readonly btime: number;
}

const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;

export function isSymlinkMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

/** boost::filesystem's file_type names for a mode's type bits, as osquery's file table prints them. */
export function fileTypeName(mode: number): string {
  switch (mode & S_IFMT) {
    case 0o100000:
      return "regular";
    case 0o040000:
      return "directory";
    case S_IFLNK:
      return "symlink";
    case 0o060000:
      return "block";
    case 0o020000:
      return "character";
    case 0o010000:
      return "fifo";
    case 0o140000:
      return "socket";
    default:
      return "unknown";
  }
}

/** lstat(2): the path itself, a symlink not followed. Throws node:fs's error. */
export function lstatPath(path: string): FileStat {
  return statxAt(AT_FDCWD, path, false) ?? fromNode(lstatSync(path, { bigint: true }));
}

/**
 * lstat(2) of the entry `name` of the directory open as `dirfd`, `path` being
 * the same file for node:fs. For a listing: the kernel walks one component
 * rather than the whole path again for every entry.
 */
export function lstatIn(dirfd: number, name: string, path: string): FileStat {
  return statxAt(dirfd, name, false) ?? fromNode(lstatSync(path, { bigint: true }));
}

/** stat(2): symlinks followed. Throws node:fs's error. */
export function statPath(path: string): FileStat {
  return statxAt(AT_FDCWD, path, true) ?? fromNode(statSync(path, { bigint: true }));
}

// struct statx (linux/stat.h), the same layout on every architecture.
const STATX_SIZE = 256;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_BASIC_STATS = 0x7ff;
const STATX_BTIME = 0x800;
const OFF = { mask: 0, blksize: 4, nlink: 16, uid: 20, gid: 24, mode: 28, ino: 32, size: 40, atime: 64, btime: 80, ctime: 96, mtime: 112, rdevMajor: 128, rdevMinor: 132 };
/** PATH_MAX with its NUL; a longer path is left to node:fs (which fails it with ENAMETOOLONG). */
const PATH_BYTES = 4096;

interface Buffers {
  readonly call: Statx;
  readonly out: DataView;
  readonly outPtr: number;
  readonly path: Uint8Array;
  readonly pathPtr: number;
}

let buffers: Buffers | null | undefined;
const encoder = new TextEncoder();

function statxBuffers(): Buffers | null {
  if (buffers === undefined) {
    const call = libcStatx();
    if (call === null) {
      buffers = null;
    } else {
      const out = new Uint8Array(STATX_SIZE);
      const path = new Uint8Array(PATH_BYTES);
      buffers = { call, out: new DataView(out.buffer), outPtr: ptr(out), path, pathPtr: ptr(path) };
    }
  }
  return buffers;
}

/** The stat of `path` (relative to `dirfd`) by statx, or null when statx cannot answer it (absent, failed, or a path it cannot take). */
function statxAt(dirfd: number, path: string, follow: boolean): FileStat | null {
  const b = statxBuffers();
  // A NUL would cut the path short in C; node:fs rejects such a path itself.
  if (b === null || path.includes("\0")) return null;
  const { written, read } = encoder.encodeInto(path, b.path);
  if (read < path.length || written >= PATH_BYTES) return null;
  b.path[written] = 0;
  if (b.call(dirfd, b.pathPtr, follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, b.outPtr) !== 0) return null;
  const v = b.out;
  const btime = (v.getUint32(OFF.mask, true) & STATX_BTIME) !== 0 ? seconds(v, OFF.btime) : 0;
  return {
    ino: u64(v, OFF.ino),
    mode: v.getUint16(OFF.mode, true),
    nlink: v.getUint32(OFF.nlink, true),
    uid: v.getUint32(OFF.uid, true),
    gid: v.getUint32(OFF.gid, true),
    rdev: makedev(v.getUint32(OFF.rdevMajor, true), v.getUint32(OFF.rdevMinor, true)),
    size: u64(v, OFF.size),
    blksize: v.getUint32(OFF.blksize, true),
    atime: seconds(v, OFF.atime),
    mtime: seconds(v, OFF.mtime),
    ctime: seconds(v, OFF.ctime),
    btime: btime > 0 ? btime : 0,
  };
}

const TWO_32 = 2 ** 32;
/** Above this high word a u64 is past 2^53. */
const EXACT_HIGH = 2 ** 21;

function u64(v: DataView, at: number): number | bigint {
  const high = v.getUint32(at + 4, true);
  return high < EXACT_HIGH ? high * TWO_32 + v.getUint32(at, true) : v.getBigUint64(at, true);
}

/** A statx_timestamp's tv_sec (an i64; times past 2^53 seconds do not occur). */
function seconds(v: DataView, at: number): number {
  return v.getInt32(at + 4, true) * TWO_32 + v.getUint32(at, true);
}

/** glibc's gnu_dev_makedev, the encoding st_rdev has in a struct stat. */
export function makedev(major: number, minor: number): number | bigint {
  const low = (minor & 0xff) | ((major & 0xfff) << 8);
  // The common case (major < 4096, minor < 256) needs no BigInt.
  if (major < 0x1000 && minor < 0x100) return low;
  return exact(BigInt(low) | (BigInt((minor & 0xffffff00) >>> 0) << 12n) | (BigInt((major & 0xfffff000) >>> 0) << 32n));
}

const NS = 1_000_000_000n;

/** Nanoseconds to whole seconds rounded down, as tv_sec holds them. */
function floorSeconds(ns: bigint): number {
  const s = ns / NS;
  return Number(ns < 0n && s * NS !== ns ? s - 1n : s);
}

function exact(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
}

/** node:fs's answer in FileStat's shape: the fallback, and the reference the tests hold statx to. */
export function fromNode(st: BigIntStats): FileStat {
  const btime = st.birthtimeNs > 0n ? floorSeconds(st.birthtimeNs) : 0;
  return {
    ino: exact(st.ino),
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    rdev: exact(st.rdev),
    size: exact(st.size),
    blksize: Number(st.blksize),
    atime: floorSeconds(st.atimeNs),
    mtime: floorSeconds(st.mtimeNs),
    ctime: floorSeconds(st.ctimeNs),
    btime,
  };
}
