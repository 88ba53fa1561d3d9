// ZIP archives (jar, whl, xpi, ...): list entries from the central directory
// and read one entry's bytes (stored or deflated). Enough for tables that
// need a single file out of an archive, e.g. META-INF/plugin.xml in a jar.
//
// Archives come from users' homes, so every size in them is untrusted: the
// central directory and an entry's compressed bytes must lie inside the file,
// an entry is read only when its declared size is within the caller's limit,
// and inflating stops as soon as the output would pass that declared size (a
// zip bomb declares a small size and inflates to gigabytes). An entry that
// breaks any of this is unreadable, logged at verbose level, and the caller
// goes on with the rest of its scan.
import { closeSync, fstatSync, openSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { verbose } from "../logger/glog.ts";
import { readAt } from "./fs.ts";

/** The largest entry read when the caller sets no limit of its own. */
export const DEFAULT_MAX_ENTRY_BYTES = 16 * 1024 * 1024;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CDIR_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;

/** Values of a zip64 extra field (0x0001), in the order the 0xFFFFFFFF fields appear. */
function zip64Values(extra: Buffer): bigint[] {
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x0001) {
      const out: bigint[] = [];
      for (let j = i + 4; j + 8 <= i + 4 + len && j + 8 <= extra.length; j += 8) out.push(extra.readBigUInt64LE(j));
      return out;
    }
    i += 4 + len;
  }
  return [];
}

/** Parses a central directory (the bytes from its start to the end-of-central-directory record). */
export function parseCentralDirectory(cd: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count && p + 46 <= cd.length; i++) {
    if (cd.readUInt32LE(p) !== CDIR_SIG) break;
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    const z64 = zip64Values(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    let k = 0;
    if (size === 0xffffffff && k < z64.length) size = Number(z64[k++]);
    if (compressedSize === 0xffffffff && k < z64.length) compressedSize = Number(z64[k++]);
    if (localHeaderOffset === 0xffffffff && k < z64.length) localHeaderOffset = Number(z64[k++]);
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** An open archive: its entry list and a reader for one entry. */
export class ZipFile {
  private constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly fileSize: number,
    readonly entries: readonly ZipEntry[],
  ) {}

  /** Opens `path`; null when it is not a readable ZIP archive. */
  static open(path: string): ZipFile | null {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      verbose("zip.ts", `Cannot open ${path}: ${(e as Error).message}`);
      return null;
    }
    try {
      const size = fstatSync(fd).size;
      // The end record sits in the last 22 bytes plus an archive comment of up to 64 KiB.
      const tailLen = Math.min(size, 22 + 0xffff);
      const tail = readAt(fd, size - tailLen, tailLen);
      let eocd = -1;
      for (let i = tail.length - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === EOCD_SIG) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) throw new Error("not a zip");
      let count = tail.readUInt16LE(eocd + 10);
      let cdSize = tail.readUInt32LE(eocd + 12);
      let cdOffset = tail.readUInt32LE(eocd + 16);
      const loc = eocd - 20;
      if (loc >= 0 && tail.readUInt32LE(loc) === ZIP64_LOCATOR_SIG) {
        const z64 = readAt(fd, Number(tail.readBigUInt64LE(loc + 8)), 56);
        if (z64.length === 56 && z64.readUInt32LE(0) === ZIP64_EOCD_SIG) {
          count = Number(z64.readBigUInt64LE(32));
          cdSize = Number(z64.readBigUInt64LE(40));
          cdOffset = Number(z64.readBigUInt64LE(48));
        }
      }
      if (cdOffset + cdSize > size) throw new Error(`its central directory (${cdSize} bytes at ${cdOffset}) lies past the end of the file`);
      const cd = readAt(fd, cdOffset, cdSize);
      return new ZipFile(fd, path, size, parseCentralDirectory(cd, count));
    } catch (e) {
      verbose("zip.ts", `${path} is not a readable ZIP archive: ${(e as Error).message}`);
      closeSync(fd);
      return null;
    }
  }

  /**
   * The uncompressed bytes of one entry, at most `maxBytes` of them; null
   * (logged at verbose level) for an unsupported method, an entry declared
   * larger than `maxBytes`, or a damaged one: truncated, inflating to more or
   * fewer bytes than it declares, or pointing outside the file.
   */
  read(entry: ZipEntry, maxBytes = DEFAULT_MAX_ENTRY_BYTES): Buffer | null {
    try {
      return this.readBounded(entry, maxBytes);
    } catch (e) {
      verbose("zip.ts", `Skipping ${entry.name} in ${this.path}: ${(e as Error).message}`);
      return null;
    }
  }

  private readBounded(entry: ZipEntry, maxBytes: number): Buffer {
    if (entry.method !== 0 && entry.method !== 8) throw new Error(`compression method ${entry.method} is not supported`);
    if (entry.size > maxBytes) throw new Error(`it declares ${entry.size} bytes, over the ${maxBytes}-byte limit`);
    const header = readAt(this.fd, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIG) throw new Error("its local header is missing");
    const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (start + entry.compressedSize > this.fileSize) throw new Error("its data runs past the end of the file");
    const data = readAt(this.fd, start, entry.compressedSize);
    if (data.length < entry.compressedSize) throw new Error("its data is truncated");
    let out: Buffer;
    if (entry.method === 0) {
      out = data;
    } else {
      // maxOutputLength must be at least 1; a one-byte surplus still fails the size check below.
      try {
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ERR_BUFFER_TOO_LARGE") throw new Error(`it inflates past the ${entry.size} bytes it declares`);
        throw new Error(`it does not inflate: ${(e as Error).message}`);
      }
    }
    if (out.length !== entry.size) throw new Error(`it holds ${out.length} bytes but declares ${entry.size}`);
    return out;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** The bytes of the entry named `name` in the archive at `path` (at most `maxBytes`), or null. */
export function readZipEntry(path: string, name: string, maxBytes = DEFAULT_MAX_ENTRY_BYTES): Buffer | null {
  const zip = ZipFile.open(path);
  if (!zip) return null;
  try {
    const entry = zip.entries.find((e) => e.name === name);
    return entry ? zip.read(entry, maxBytes) : null;
  } finally {
    zip.close();
  }
}
