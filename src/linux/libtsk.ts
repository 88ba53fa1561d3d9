// The Sleuth Kit (Debian's libtsk19) through bun:ffi, for the device_* tables:
// a disk image or device node opened as osquery's sleuthkit tables open it
// (image, then its volume system, then a file system per partition). Only
// libtsk's C API is used; the struct offsets below are those of libtsk 4.x on
// 64-bit Linux (checked against its headers with offsetof). null from
// openDevice when the library is missing (reason at verbose level) or the
// device has no volume system libtsk recognises.
import { CString, dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { verbose } from "../logger/glog.ts";

function openLibtsk() {
  const { ptr: p, i32, u32, u64, i64, void: none } = FFIType;
  return dlopen("libtsk.so.19", {
    tsk_img_open_utf8_sing: { args: [p, i32, u32], returns: p },
    tsk_img_close: { args: [p], returns: none },
    tsk_vs_open: { args: [p, u64, i32], returns: p },
    tsk_vs_close: { args: [p], returns: none },
    tsk_vs_part_get: { args: [p, u32], returns: p },
    tsk_fs_open_vol: { args: [p, i32], returns: p },
    tsk_fs_close: { args: [p], returns: none },
    tsk_fs_type_toname: { args: [i32], returns: p },
    tsk_fs_dir_open_meta: { args: [p, u64], returns: p },
    tsk_fs_dir_getsize: { args: [p], returns: u64 },
    tsk_fs_dir_get: { args: [p, u64], returns: p },
    tsk_fs_dir_close: { args: [p], returns: none },
    tsk_fs_file_open: { args: [p, p, p], returns: p },
    tsk_fs_file_open_meta: { args: [p, p, u64], returns: p },
    tsk_fs_file_close: { args: [p], returns: none },
    tsk_fs_file_read: { args: [p, i64, p, u64, i32], returns: i64 },
  }).symbols;
}

type Tsk = ReturnType<typeof openLibtsk>;
let lib: Tsk | null | undefined;

function tsk(): Tsk | null {
  if (lib === undefined) {
    try {
      lib = openLibtsk();
    } catch (e) {
      verbose("sleuthkit.cpp", `libtsk.so.19 cannot be opened (install Debian's libtsk19), device tables return no rows: ${(e as Error).message}`);
      lib = null;
    }
  }
  return lib;
}

// Field offsets (libtsk 4.11, x86_64).
const VS_BLOCK_SIZE = 32;
const VS_PART_COUNT = 48;
const PART_START = 32;
const PART_LEN = 40;
const PART_DESC = 48;
const PART_ADDR = 60;
const PART_FLAGS = 64;
const FS_OFFSET = 16;
const FS_INUM_COUNT = 24;
const FS_ROOT_INUM = 32;
const FS_BLOCK_COUNT = 56;
const FS_BLOCK_SIZE = 88;
const FS_FTYPE = 112;
const FS_FLAGS = 128;
const FILE_NAME = 8;
const FILE_META = 16;
const NAME_NAME = 8;
const META_ADDR = 8;
const META_TYPE = 16;
const META_MODE = 20;
const META_NLINK = 24;
const META_SIZE = 32;
const META_UID = 40;
const META_GID = 44;
const META_MTIME = 48;
const META_ATIME = 64;
const META_CRTIME = 96;
const META_NAME2 = 240;
const NAME_LIST_NAME = 8;

/** TSK_VS_PART_FLAG_ENUM. */
export const PART_FLAG_UNALLOC = 2;
export const PART_FLAG_META = 4;
/** TSK_FS_META_TYPE_ENUM. */
export const META_TYPE_REG = 1;
export const META_TYPE_DIR = 2;

const toPtr = (v: number | bigint | Pointer | null): Pointer | null => (v ? (Number(v) as Pointer) : null);
const cstring = (p: Pointer | null): string | null => (p ? new CString(p).toString() : null);

export interface Partition {
  readonly addr: number;
  readonly desc: string | null;
  readonly flags: number;
  readonly start: bigint;
  readonly len: bigint;
  /** @internal libtsk's TSK_VS_PART_INFO. */
  readonly handle: Pointer;
}

export interface FileMeta {
  readonly addr: bigint;
  readonly type: number;
  readonly mode: number;
  readonly nlink: number;
  readonly size: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly atime: bigint;
  readonly mtime: bigint;
  readonly crtime: bigint;
  /** The first name kept in the metadata itself (FAT and NTFS only), else null. */
  readonly name2: string | null;
}

export interface DirEntry {
  readonly name: string | null;
  readonly meta: FileMeta | null;
}

function readMeta(file: Pointer): FileMeta | null {
  const meta = toPtr(read.ptr(file, FILE_META));
  if (!meta) return null;
  const name2 = toPtr(read.ptr(meta, META_NAME2));
  return {
    addr: read.u64(meta, META_ADDR),
    type: read.u32(meta, META_TYPE),
    mode: read.u32(meta, META_MODE),
    nlink: read.i32(meta, META_NLINK),
    size: read.i64(meta, META_SIZE),
    uid: read.u32(meta, META_UID),
    gid: read.u32(meta, META_GID),
    atime: read.i64(meta, META_ATIME),
    mtime: read.i64(meta, META_MTIME),
    crtime: read.i64(meta, META_CRTIME),
    name2: name2 ? cstring((Number(name2) + NAME_LIST_NAME) as Pointer) : null,
  };
}

/** A file system open on one partition; close() when done. */
export class FileSystem {
  constructor(
    private readonly t: Tsk,
    private readonly fs: Pointer,
  ) {}

  get typeName(): string {
    return cstring(toPtr(this.t.tsk_fs_type_toname(read.u32(this.fs, FS_FTYPE)))) ?? "";
  }
  get flags(): number {
    return read.u32(this.fs, FS_FLAGS);
  }
  get offset(): bigint {
    return read.i64(this.fs, FS_OFFSET);
  }
  get blockSize(): number {
    return read.u32(this.fs, FS_BLOCK_SIZE);
  }
  get blockCount(): bigint {
    return read.u64(this.fs, FS_BLOCK_COUNT);
  }
  get inumCount(): bigint {
    return read.u64(this.fs, FS_INUM_COUNT);
  }
  get rootInum(): bigint {
    return read.u64(this.fs, FS_ROOT_INUM);
  }

  /** The entries of the directory at inode `inum` (dot entries included), or null when it cannot be opened. */
  listDir(inum: bigint): DirEntry[] | null {
    const dir = toPtr(this.t.tsk_fs_dir_open_meta(this.fs, inum));
    if (!dir) return null;
    try {
      const out: DirEntry[] = [];
      const n = Number(this.t.tsk_fs_dir_getsize(dir));
      for (let i = 0; i < n; i++) {
        const file = toPtr(this.t.tsk_fs_dir_get(dir, i));
        if (!file) continue;
        try {
          const name = toPtr(read.ptr(file, FILE_NAME));
          out.push({ name: name ? cstring(toPtr(read.ptr(name, NAME_NAME))) : null, meta: readMeta(file) });
        } finally {
          this.t.tsk_fs_file_close(file);
        }
      }
      return out;
    } finally {
      this.t.tsk_fs_dir_close(dir);
    }
  }

  /** Runs `fn` with the file at `path` or at inode `inum`; null when libtsk cannot open it. */
  withFile<T>(target: string | bigint, fn: (meta: FileMeta | null, readAt: (offset: number, length: number) => Buffer | null) => T): T | null {
    const path = typeof target === "string" ? Buffer.from(`${target}\0`) : null;
    const file = toPtr(path ? this.t.tsk_fs_file_open(this.fs, null, ptr(path)) : this.t.tsk_fs_file_open_meta(this.fs, null, target as bigint));
    if (!file) return null;
    try {
      const readAt = (offset: number, length: number): Buffer | null => {
        const buf = Buffer.alloc(length);
        const n = Number(this.t.tsk_fs_file_read(file, offset, ptr(buf), length, 0));
        return n === length ? buf : null;
      };
      return fn(readMeta(file), readAt);
    } finally {
      this.t.tsk_fs_file_close(file);
    }
  }

  close(): void {
    this.t.tsk_fs_close(this.fs);
  }
}

/** A device or image with its volume system; close() when done. */
export class Device {
  constructor(
    private readonly t: Tsk,
    private readonly img: Pointer,
    private readonly vs: Pointer,
  ) {}

  get blockSize(): number {
    return read.u32(this.vs, VS_BLOCK_SIZE);
  }

  partitions(): Partition[] {
    const out: Partition[] = [];
    const n = read.u32(this.vs, VS_PART_COUNT);
    for (let i = 0; i < n; i++) {
      const p = toPtr(this.t.tsk_vs_part_get(this.vs, i));
      if (!p) continue;
      out.push({
        addr: read.u32(p, PART_ADDR),
        desc: cstring(toPtr(read.ptr(p, PART_DESC))),
        flags: read.u32(p, PART_FLAGS),
        start: read.u64(p, PART_START),
        len: read.u64(p, PART_LEN),
        handle: p,
      });
    }
    return out;
  }

  /** The file system libtsk detects in `part`, or null. */
  openFileSystem(part: Partition): FileSystem | null {
    const fs = toPtr(this.t.tsk_fs_open_vol(part.handle, 0));
    return fs ? new FileSystem(this.t, fs) : null;
  }

  close(): void {
    this.t.tsk_vs_close(this.vs);
    this.t.tsk_img_close(this.img);
  }
}

/** Opens `path` (a device node or an image file) and its volume system; null when either fails. */
export function openDevice(path: string): Device | null {
  const t = tsk();
  if (!t) return null;
  const name = Buffer.from(`${path}\0`);
  const img = toPtr(t.tsk_img_open_utf8_sing(ptr(name), 0, 0));
  if (!img) {
    verbose("sleuthkit.cpp", `Cannot open device image ${path}`);
    return null;
  }
  const vs = toPtr(t.tsk_vs_open(img, 0, 0));
  if (!vs) {
    verbose("sleuthkit.cpp", `No volume system libtsk recognises on ${path}`);
    t.tsk_img_close(img);
    return null;
  }
  return new Device(t, img, vs);
}
