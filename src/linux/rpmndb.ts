// rpm's own "ndb" package store, Packages.db (SUSE, and rpm builds with
// _db_backend ndb). All numbers are little-endian. The file starts with a
// 32-byte header ("RpmP", version 0, generation, number of slot pages, next
// package index), then slot pages of 16-byte slots ("Slot", package index,
// block offset, block count) and after them the blobs, in 16-byte blocks:
// "BlbS", package index, timestamp, length, the header blob, zero padding,
// then adler32 of all before it, the length again and "BlbE".
import { readAt, withFile } from "./fs.ts";

export interface NdbBlob {
  readonly pkgIndex: number;
  readonly blob: Uint8Array;
}

export interface NdbPackages {
  /** The blobs that passed their checks, in file order (the order rpm lists them). */
  readonly blobs: NdbBlob[];
  readonly problems: string[];
}

const fourcc = (s: string): number => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
const PKGDB_MAGIC = fourcc("RpmP") >>> 0;
const SLOT_MAGIC = fourcc("Slot") >>> 0;
const BLOB_HEAD = fourcc("BlbS") >>> 0;
const BLOB_TAIL = fourcc("BlbE") >>> 0;
const HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK = 16;
const PAGE = 4096;
const HEAD_SIZE = 16;
const TAIL_SIZE = 12;

/** Adler-32 (RFC 1950), the checksum each blob's trailer carries. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i] ?? 0;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

interface Slot {
  readonly pkgIndex: number;
  readonly blkoff: number;
  readonly blkcnt: number;
}

/** Reads Packages.db at `path`; throws with a one-line reason when it is not one. */
export function readNdbPackages(path: string): NdbPackages {
  const result = withFile(path, (fd) => walk(fd));
  if (result === null) throw new Error(`${path}: cannot read`);
  if (typeof result === "string") throw new Error(`${path}: ${result}`);
  return result;
}

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

function walk(fd: number): NdbPackages | string {
  const header = readAt(fd, 0, HEADER_SIZE);
  if (header.length < HEADER_SIZE || u32(header, 0) !== PKGDB_MAGIC) return "not an rpm ndb Packages.db";
  const version = u32(header, 4);
  if (version !== 0) return `unsupported ndb version ${version}`;
  const slotPages = u32(header, 12);
  const table = readAt(fd, 0, slotPages * PAGE);
  if (slotPages === 0 || table.length < slotPages * PAGE) return `slot table of ${slotPages} pages is truncated`;
  const firstBlob = (slotPages * PAGE) / BLOCK;
  const slots: Slot[] = [];
  for (let at = HEADER_SIZE; at < table.length; at += SLOT_SIZE) {
    if (u32(table, at) !== SLOT_MAGIC) return `bad slot at byte ${at}`;
    const blkoff = u32(table, at + 8);
    if (blkoff === 0) continue; // a free slot
    slots.push({ pkgIndex: u32(table, at + 4), blkoff, blkcnt: u32(table, at + 12) });
  }
  slots.sort((x, y) => x.blkoff - y.blkoff);

  const blobs: NdbBlob[] = [];
  const problems: string[] = [];
  for (const s of slots) {
    if (s.pkgIndex === 0 || s.blkoff < firstBlob || s.blkcnt * BLOCK < HEAD_SIZE + TAIL_SIZE) {
      problems.push(`package ${s.pkgIndex}: bad slot (block ${s.blkoff}, ${s.blkcnt} blocks)`);
      continue;
    }
    const why = readBlob(fd, s, blobs);
    if (why !== null) problems.push(`package ${s.pkgIndex}: ${why}`);
  }
  return { blobs, problems };
}

function readBlob(fd: number, s: Slot, out: NdbBlob[]): string | null {
  const size = s.blkcnt * BLOCK;
  const bytes = readAt(fd, s.blkoff * BLOCK, size);
  if (bytes.length < size) return "blob runs past the end of the file";
  if (u32(bytes, 0) !== BLOB_HEAD || u32(bytes, 4) !== s.pkgIndex) return "blob header does not match its slot";
  const length = u32(bytes, 12);
  if (Math.ceil((HEAD_SIZE + length + TAIL_SIZE) / BLOCK) !== s.blkcnt) return "blob length does not match its slot";
  const tail = size - TAIL_SIZE;
  if (u32(bytes, tail + 8) !== BLOB_TAIL || u32(bytes, tail + 4) !== length) return "blob trailer is damaged";
  if (u32(bytes, tail) !== adler32(bytes.subarray(0, tail))) return "blob checksum mismatch";
  out.push({ pkgIndex: s.pkgIndex, blob: bytes.slice(HEAD_SIZE, HEAD_SIZE + length) });
  return null;
}
