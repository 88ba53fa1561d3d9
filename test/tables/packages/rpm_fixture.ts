// Builds rpm header blobs and an rpmdb.sqlite the way rpm 4.16+ stores them,
// so the rpm tables can be tested on a host without rpm.
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { RpmTag, RpmType } from "../../../src/linux/rpmheader.ts";

export type FixtureValue =
  | { type: "string"; value: string }
  | { type: "i18n"; value: string[] }
  | { type: "strings"; value: string[] }
  | { type: "int16"; value: number[] }
  | { type: "int32"; value: number[] }
  | { type: "int64"; value: bigint[] };

const ALIGN: Record<FixtureValue["type"], number> = { string: 1, i18n: 1, strings: 1, int16: 2, int32: 4, int64: 8 };
const TYPE: Record<FixtureValue["type"], number> = {
  string: RpmType.STRING,
  i18n: RpmType.I18NSTRING,
  strings: RpmType.STRING_ARRAY,
  int16: RpmType.INT16,
  int32: RpmType.INT32,
  int64: RpmType.INT64,
};

interface Entry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

function appendValue(data: number[], v: FixtureValue): { type: number; offset: number; count: number } {
  const enc = new TextEncoder();
  while (data.length % ALIGN[v.type] !== 0) data.push(0);
  const offset = data.length;
  let count = 1;
  if (v.type === "string") {
    data.push(...enc.encode(v.value), 0);
  } else if (v.type === "i18n" || v.type === "strings") {
    for (const s of v.value) data.push(...enc.encode(s), 0);
    count = v.value.length;
  } else {
    count = v.value.length;
    const size = ALIGN[v.type];
    const buf = new DataView(new ArrayBuffer(size * count));
    v.value.forEach((n, i) => {
      if (v.type === "int16") buf.setUint16(i * 2, n as number);
      else if (v.type === "int32") buf.setUint32(i * 4, n as number);
      else buf.setBigUint64(i * 8, n as bigint);
    });
    data.push(...new Uint8Array(buf.buffer));
  }
  return { type: TYPE[v.type], offset, count };
}

function serialise(index: readonly Entry[], data: readonly number[]): Uint8Array {
  const out = new DataView(new ArrayBuffer(8 + index.length * 16 + data.length));
  out.setUint32(0, index.length);
  out.setUint32(4, data.length);
  index.forEach((e, i) => {
    out.setUint32(8 + i * 16, e.tag);
    out.setUint32(12 + i * 16, e.type);
    out.setInt32(16 + i * 16, e.offset);
    out.setUint32(20 + i * 16, e.count);
  });
  const bytes = new Uint8Array(out.buffer);
  bytes.set(data, 8 + index.length * 16);
  return bytes;
}

export interface BuiltHeader {
  readonly blob: Uint8Array;
  /** SHA1 of the immutable region, as rpm computes RPMTAG_SHA1HEADER. */
  readonly sha1: string;
}

/**
 * Encodes tags into an installed-header blob as rpm writes it: an immutable
 * region (HEADER_IMMUTABLE first, its trailer at the end of the region data)
 * holding `tags`, then the SHA1HEADER of that region outside it, as rpm adds
 * signature tags at install time.
 */
export function buildRpmHeader(tags: ReadonlyMap<number, FixtureValue>): BuiltHeader {
  const data: number[] = [];
  const index: Entry[] = [];
  const sorted = [...tags.entries()].sort((a, b) => a[0] - b[0]);
  for (const [tag, v] of sorted) index.push({ tag, ...appendValue(data, v) });
  // HEADER_IMMUTABLE (63): a BIN entry pointing at a 16-byte trailer whose offset is negative.
  const trailerOffset = data.length;
  const trailer = new DataView(new ArrayBuffer(16));
  trailer.setUint32(0, 63);
  trailer.setUint32(4, RpmType.BIN);
  trailer.setInt32(8, -(index.length + 1) * 16);
  trailer.setUint32(12, 16);
  data.push(...new Uint8Array(trailer.buffer));
  index.unshift({ tag: 63, type: RpmType.BIN, offset: trailerOffset, count: 16 });

  const region = serialise(index, data);
  const sha1 = createHash("sha1").update(Uint8Array.of(0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0)).update(region).digest("hex");
  index.push({ tag: RpmTag.SHA1HEADER, ...appendValue(data, { type: "string", value: sha1 }) });
  return { blob: serialise(index, data), sha1 };
}

/** The index tables `rpm --initdb` creates (rpm opens them even to read). */
const INDEXES: Record<string, "TEXT" | "BLOB"> = {
  Name: "TEXT", Basenames: "TEXT", Group: "TEXT", Requirename: "TEXT", Providename: "TEXT",
  Conflictname: "TEXT", Obsoletename: "TEXT", Triggername: "TEXT", Dirnames: "TEXT", Installtid: "BLOB",
  Sigmd5: "BLOB", Sha1header: "TEXT", Filetriggername: "TEXT", Transfiletriggername: "TEXT",
  Recommendname: "TEXT", Suggestname: "TEXT", Supplementname: "TEXT", Enhancename: "TEXT",
};

/**
 * Writes <dir>/rpmdb.sqlite in rpm 4.16+'s layout (WAL journal, Packages plus
 * the index tables) holding `blobs`, with the Name index filled in.
 */
export function writeRpmDb(dir: string, blobs: readonly { blob: Uint8Array; name: string }[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "rpmdb.sqlite");
  const db = new Database(path, { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
  for (const [name, type] of Object.entries(INDEXES)) {
    db.run(`CREATE TABLE IF NOT EXISTS '${name}' (key '${type}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`);
  }
  const insert = db.prepare("INSERT INTO Packages (blob) VALUES (?)");
  const index = db.prepare("INSERT INTO Name (key, hnum, idx) VALUES (?, ?, 0)");
  for (const b of blobs) {
    const r = insert.run(b.blob);
    index.run(b.name, Number(r.lastInsertRowid));
  }
  db.close();
  return path;
}
