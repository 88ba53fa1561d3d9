// A POSIX tar writer for carve archives (INTERFACES §12): ustar headers, with
// a pax extended header only when a name or size does not fit ustar's fields,
// as libarchive's pax format (osquery's choice) does. Written here rather than
// taken from npm: the carver needs one operation (append regular files, then
// close), and the small tar packages either buffer whole files in memory or
// pull in a stream framework; this is ~120 lines that GNU tar checks in tests.
//
// Files are streamed in chunks, so a carve of a large file neither blocks the
// daemon's event loop nor holds the file in memory.
import { open, stat, type FileHandle } from "node:fs/promises";
import { err, ok, type Result } from "../result.ts";

const BLOCK = 512;
const CHUNK = 64 * 1024;
/** The largest value an 11-digit octal field holds (8 GiB - 1). */
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  // width includes the terminating NUL.
  buf.write(value.toString(8).padStart(width - 1, "0"), offset, width - 1, "ascii");
  buf[offset + width - 1] = 0;
}

/** Splits a long name into ustar's prefix and name fields, or null when it cannot be. */
function splitName(name: Buffer): { prefix: Buffer; rest: Buffer } | null {
  if (name.length <= 100) return { prefix: Buffer.alloc(0), rest: name };
  // The split must fall on a "/" that leaves at most 155 bytes before and 100 after it.
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
      return { prefix: name.subarray(0, i), rest: name.subarray(i + 1) };
    }
  }
  return null;
}

/** One pax record: "<len> key=value\n", where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

export interface TarEntry {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  /** "0" regular file, "x" pax extended header. */
  readonly type: "0" | "x";
}

function header(e: TarEntry, name: Buffer, prefix: Buffer): Buffer {
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0, 0, Math.min(name.length, 100));
  octal(h, 100, 8, e.mode & 0o7777);
  octal(h, 108, 8, Math.min(e.uid, MAX_OCTAL_7));
  octal(h, 116, 8, Math.min(e.gid, MAX_OCTAL_7));
  octal(h, 124, 12, Math.min(e.size, MAX_OCTAL_11));
  octal(h, 136, 12, Math.max(0, Math.min(Math.floor(e.mtime), MAX_OCTAL_11)));
  h.fill(0x20, 148, 156);
  h.write(e.type, 156, 1, "ascii");
  h.write("ustar\u000000", 257, 8, "binary");
  prefix.copy(h, 345, 0, Math.min(prefix.length, 155));
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0"), 148, 6, "ascii");
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** The header blocks for one entry: a pax header first when ustar cannot hold its name or numbers. */
export function entryHeaders(e: TarEntry): Buffer {
  const name = Buffer.from(e.name);
  const split = splitName(name);
  const records: string[] = [];
  if (!split) records.push(paxRecord("path", e.name));
  if (e.size > MAX_OCTAL_11) records.push(paxRecord("size", String(e.size)));
  if (e.uid > MAX_OCTAL_7) records.push(paxRecord("uid", String(e.uid)));
  if (e.gid > MAX_OCTAL_7) records.push(paxRecord("gid", String(e.gid)));
  const own = split ? header(e, split.rest, split.prefix) : header(e, name.subarray(name.length - Math.min(name.length, 100)), Buffer.alloc(0));
  if (records.length === 0) return own;
  const pax = Buffer.from(records.join(""));
  const paxName = Buffer.from("PaxHeader");
  const paxHead = header({ name: "", size: pax.length, mode: 0o644, uid: 0, gid: 0, mtime: e.mtime, type: "x" }, paxName, Buffer.alloc(0));
  return Buffer.concat([paxHead, pad(pax), own]);
}

function pad(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

/** Appends regular files to a new tar file; `close()` writes the end-of-archive blocks. */
export class TarWriter {
  /** True once a file failed after its header was written: the archive is unusable. */
  broken = false;

  private constructor(private readonly out: FileHandle) {}

  /** Creates `path` (it must not exist: the carve directory is private and fresh). */
  static async create(path: string): Promise<TarWriter> {
    return new TarWriter(await open(path, "wx", 0o600));
  }

  /**
   * Appends the file at `source` under `name`. A file that shrinks while it is
   * read is padded with zeros to the size its header announced, so the archive
   * stays well-formed; one that grows is cut at that size.
   */
  async addFile(name: string, source: string): Promise<Result<void, string>> {
    let src: FileHandle;
    try {
      // Checked before opening: opening a FIFO for reading would wait for a writer.
      const before = await stat(source);
      if (!before.isFile()) return err(`${source} is not a regular file`);
      src = await open(source, "r");
    } catch (e) {
      return err((e as Error).message);
    }
    try {
      const st = await src.stat();
      if (!st.isFile()) return err(`${source} is not a regular file`);
      const size = st.size;
      this.broken = true;
      await this.out.write(entryHeaders({ name, size, mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, type: "0" }));
      const buf = Buffer.alloc(CHUNK);
      let done = 0;
      while (done < size) {
        const want = Math.min(CHUNK, size - done);
        const { bytesRead } = await src.read(buf, 0, want, done);
        if (bytesRead === 0) {
          buf.fill(0, 0, want);
          await this.out.write(buf.subarray(0, want));
        } else {
          await this.out.write(buf.subarray(0, bytesRead));
        }
        done += bytesRead === 0 ? want : bytesRead;
      }
      const rest = size % BLOCK;
      if (rest !== 0) await this.out.write(Buffer.alloc(BLOCK - rest));
      this.broken = false;
      return ok(undefined);
    } catch (e) {
      return err((e as Error).message);
    } finally {
      await src.close();
    }
  }

  async close(): Promise<void> {
    await this.out.write(Buffer.alloc(2 * BLOCK));
    await this.out.close();
  }
}
