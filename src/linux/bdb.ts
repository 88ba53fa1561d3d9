// A read-only walker for Berkeley DB hash databases (db 4.x/5.x, hash
// versions 8-10), enough to list rpm's old /var/lib/rpm/Packages without
// libdb: every key/value pair, bucket by bucket, with values that do not fit
// on a page gathered from their overflow chains. The file may have been
// written on a host of either byte order; the magic tells which.
import { readAt, withFile } from "./fs.ts";

export interface BdbEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface BdbHash {
  /** The pairs read, in bucket order (the order a cursor walk gives). */
  readonly entries: BdbEntry[];
  /** Why parts of the file were passed over (damaged pages, broken overflow chains). */
  readonly problems: string[];
  /** True when the file's byte order is little-endian. */
  readonly littleEndian: boolean;
}

const HASH_MAGIC = 0x061561;
const META_SIZE = 512;
/** Size of the generic page header (lsn, pgno, prev, next, entries, hf_offset, level, type). */
const PAGE_HEADER = 26;

const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;

const H_KEYDATA = 1;
const H_OFFPAGE = 3;

class Pages {
  constructor(
    private readonly fd: number,
    readonly pageSize: number,
    readonly lastPage: number,
    readonly le: boolean,
  ) {}

  /** Page `n` and a view of it; null past the end of the file. */
  read(n: number): { bytes: Uint8Array; view: DataView } | null {
    if (n > this.lastPage) return null;
    const bytes = readAt(this.fd, n * this.pageSize, this.pageSize);
    if (bytes.length !== this.pageSize) return null;
    return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
}

/** The number of bits in `n`: which of the meta page's spares a bucket uses. */
function bitLength(n: number): number {
  let i = 0;
  for (let b = n; b > 0; b >>>= 1) i++;
  return i;
}

/**
 * Reads every pair of the Berkeley DB hash database at `path`. Throws (with a
 * one-line reason) when the file is not one: unreadable, another access
 * method, encrypted, or an unknown version.
 */
export function readBdbHash(path: string): BdbHash {
  const result = withFile(path, (fd) => walk(fd));
  if (result === null) throw new Error(`${path}: cannot read`);
  if (typeof result === "string") throw new Error(`${path}: ${result}`);
  return result;
}

function walk(fd: number): BdbHash | string {
  const meta = readAt(fd, 0, META_SIZE);
  if (meta.length < META_SIZE) return "too short for a Berkeley DB meta page";
  const mv = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  let le: boolean;
  if (mv.getUint32(12, true) === HASH_MAGIC) le = true;
  else if (mv.getUint32(12, false) === HASH_MAGIC) le = false;
  else return "not a Berkeley DB hash database";
  const version = mv.getUint32(16, le);
  if (version < 8 || version > 10) return `unsupported hash version ${version}`;
  const pageSize = mv.getUint32(20, le);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `bad page size ${pageSize}`;
  if (meta[24] !== 0) return "encrypted database";
  if (meta[25] !== P_HASHMETA) return "page 0 is not a hash meta page";
  const lastPage = mv.getUint32(32, le);
  const maxBucket = mv.getUint32(72, le);
  const spares = Array.from({ length: 32 }, (_, i) => mv.getUint32(96 + i * 4, le));
  if (maxBucket > lastPage) return `bucket count ${maxBucket + 1} exceeds the ${lastPage + 1} pages`;

  const pages = new Pages(fd, pageSize, lastPage, le);
  const entries: BdbEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  for (let bucket = 0; bucket <= maxBucket; bucket++) {
    let pgno = bucket + (spares[bitLength(bucket)] ?? 0);
    while (pgno !== 0) {
      if (seen.has(pgno)) {
        problems.push(`bucket ${bucket}: page ${pgno} is linked twice`);
        break;
      }
      seen.add(pgno);
      const page = pages.read(pgno);
      if (page === null) {
        problems.push(`bucket ${bucket}: page ${pgno} is past the end of the file`);
        break;
      }
      const type = page.bytes[25];
      const stored = page.view.getUint32(8, le);
      // A bucket that never held a pair may be an unwritten (all-zero) page.
      if (type === 0 && stored === 0) break;
      if ((type !== P_HASH && type !== P_HASH_UNSORTED) || stored !== pgno) {
        problems.push(`bucket ${bucket}: page ${pgno} is not a hash page`);
        break;
      }
      readPairs(pages, page.bytes, page.view, pgno, entries, problems);
      pgno = page.view.getUint32(16, le);
    }
  }
  return { entries, problems, littleEndian: le };
}

function readPairs(pages: Pages, bytes: Uint8Array, view: DataView, pgno: number, out: BdbEntry[], problems: string[]): void {
  const le = pages.le;
  const count = view.getUint16(20, le);
  const indexEnd = PAGE_HEADER + count * 2;
  if (indexEnd > pages.pageSize) {
    problems.push(`page ${pgno}: ${count} entries do not fit`);
    return;
  }
  // Items are packed from the end of the page down: each ends where the previous one starts.
  const offsets = Array.from({ length: count }, (_, i) => view.getUint16(PAGE_HEADER + i * 2, le));
  const item = (i: number): Uint8Array | null => {
    const start = offsets[i] ?? 0;
    const end = i === 0 ? pages.pageSize : (offsets[i - 1] ?? 0);
    if (start < indexEnd || end > pages.pageSize || start >= end) return null;
    return bytes.subarray(start, end);
  };
  for (let i = 0; i + 1 < count; i += 2) {
    const key = item(i);
    const value = item(i + 1);
    if (key === null || value === null) {
      problems.push(`page ${pgno}: entry ${i / 2} has bad offsets`);
      continue;
    }
    const k = itemValue(pages, key, problems);
    const v = itemValue(pages, value, problems);
    if (k !== null && v !== null) out.push({ key: k, value: v });
  }
}

/** The bytes an item stands for: inline data, or the overflow chain it points to. */
function itemValue(pages: Pages, item: Uint8Array, problems: string[]): Uint8Array | null {
  if (item[0] === H_KEYDATA) return item.slice(1);
  if (item[0] === H_OFFPAGE && item.length >= 12) {
    const v = new DataView(item.buffer, item.byteOffset, item.byteLength);
    return overflow(pages, v.getUint32(4, pages.le), v.getUint32(8, pages.le), problems);
  }
  // Sorted duplicates (H_DUPLICATE, H_OFFDUP) do not occur in rpm's Packages.
  problems.push(`item type ${item[0]} is not read`);
  return null;
}

function overflow(pages: Pages, first: number, length: number, problems: string[]): Uint8Array | null {
  const out = new Uint8Array(length);
  let done = 0;
  let pgno = first;
  let hops = 0;
  while (done < length) {
    const page = pages.read(pgno);
    if (page === null || page.bytes[25] !== P_OVERFLOW || page.view.getUint32(8, pages.le) !== pgno || hops++ > pages.lastPage) {
      problems.push(`overflow chain from page ${first}: page ${pgno} is not an overflow page`);
      return null;
    }
    // On overflow pages hf_offset is the number of data bytes the page holds.
    const n = page.view.getUint16(22, pages.le);
    if (n > pages.pageSize - PAGE_HEADER || done + n > length || (n === 0 && done < length)) {
      problems.push(`overflow chain from page ${first}: page ${pgno} has a bad length`);
      return null;
    }
    out.set(page.bytes.subarray(PAGE_HEADER, PAGE_HEADER + n), done);
    done += n;
    pgno = page.view.getUint32(16, pages.le);
    if (done < length && pgno === 0) {
      problems.push(`overflow chain from page ${first} ends after ${done} of ${length} bytes`);
      return null;
    }
  }
  return out;
}
