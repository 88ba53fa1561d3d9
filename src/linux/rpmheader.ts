// rpm's package header, as stored in the rpm database (one blob per
// installed package in rpmdb.sqlite's Packages table): a big-endian index of
// (tag, type, offset, count) entries followed by a data store. This module
// reads those blobs; it does not verify signatures or digests.

export const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** The tags osquery's rpm tables read (rpmtag.h numbers). */
export const RpmTag = {
  SHA1HEADER: 269,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  INSTALLTIME: 1008,
  SIZE: 1009,
  VENDOR: 1011,
  GROUP: 1016,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILEDIGESTS: 1035,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  FILEDIGESTALGO: 5011,
} as const;

/** Region tags (HEADER_IMAGE..HEADER_REGIONS) describe the blob, not the package. */
const REGION_TAGS = new Set([61, 62, 63, 64]);

export type RpmValue = string | string[] | number[] | bigint[] | Uint8Array;

export class RpmHeader {
  constructor(private readonly entries: ReadonlyMap<number, RpmValue>) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** A string tag (STRING, or the first of an I18NSTRING/STRING_ARRAY). */
  string(tag: number): string | undefined {
    const v = this.entries.get(tag);
    if (typeof v === "string") return v;
    if (Array.isArray(v) && typeof v[0] === "string") return v[0];
    return undefined;
  }

  strings(tag: number): string[] {
    const v = this.entries.get(tag);
    if (typeof v === "string") return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    return [];
  }

  /** Numeric tags as JS numbers (INT64 values beyond 2^53 lose precision). */
  numbers(tag: number): number[] {
    const v = this.entries.get(tag);
    if (!Array.isArray(v)) return [];
    return v.map((x) => (typeof x === "bigint" ? Number(x) : typeof x === "number" ? x : Number.NaN));
  }

  number(tag: number): number | undefined {
    return this.numbers(tag)[0];
  }
}

/**
 * Parses a header blob (the form rpmdb stores: no leading magic). Throws on a
 * blob whose index or data run past its end.
 */
export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  // A header read from a .rpm file starts with the 8-byte magic 8e ad e8 01; skip it if present.
  let base = 0;
  if (blob.length >= 8 && blob[0] === 0x8e && blob[1] === 0xad && blob[2] === 0xe8) base = 8;
  if (blob.length < base + 8) throw new Error("rpm header: too short");
  const il = view.getUint32(base);
  const dl = view.getUint32(base + 4);
  const indexStart = base + 8;
  const dataStart = indexStart + il * 16;
  if (dataStart + dl > blob.length) throw new Error("rpm header: truncated");
  const data = blob.subarray(dataStart, dataStart + dl);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const entries = new Map<number, RpmValue>();
  for (let i = 0; i < il; i++) {
    const at = indexStart + i * 16;
    const tag = view.getUint32(at);
    const type = view.getUint32(at + 4);
    const offset = view.getInt32(at + 8);
    const count = view.getUint32(at + 12);
    if (REGION_TAGS.has(tag) || offset < 0 || offset > dl) continue;
    const value = readValue(data, dv, type, offset, count);
    // Entries added after install (outside the immutable region) come later and win.
    if (value !== undefined) entries.set(tag, value);
  }
  return new RpmHeader(entries);
}

function readStrings(data: Uint8Array, offset: number, count: number): string[] {
  const out: string[] = [];
  const dec = new TextDecoder();
  let at = offset;
  for (let i = 0; i < count; i++) {
    let end = at;
    while (end < data.length && data[end] !== 0) end++;
    out.push(dec.decode(data.subarray(at, end)));
    at = end + 1;
  }
  return out;
}

function readValue(data: Uint8Array, dv: DataView, type: number, offset: number, count: number): RpmValue | undefined {
  const need = (size: number) => offset + size * count <= data.length;
  switch (type) {
    case RpmType.CHAR:
    case RpmType.INT8:
      return need(1) ? Array.from(data.subarray(offset, offset + count)) : undefined;
    case RpmType.INT16:
      return need(2) ? Array.from({ length: count }, (_, i) => dv.getUint16(offset + i * 2)) : undefined;
    case RpmType.INT32:
      return need(4) ? Array.from({ length: count }, (_, i) => dv.getUint32(offset + i * 4)) : undefined;
    case RpmType.INT64:
      return need(8) ? Array.from({ length: count }, (_, i) => dv.getBigUint64(offset + i * 8)) : undefined;
    case RpmType.STRING:
      return readStrings(data, offset, 1)[0] ?? "";
    case RpmType.STRING_ARRAY:
    case RpmType.I18NSTRING:
      return readStrings(data, offset, count);
    case RpmType.BIN:
      return need(1) ? data.slice(offset, offset + count) : undefined;
    default:
      return undefined;
  }
}

/** The length in bytes of each pgp hash algorithm's digest (rpm's PGPHASHALGO_*). */
export const DIGEST_LENGTH: Readonly<Record<number, number>> = { 1: 16, 2: 20, 3: 20, 8: 32, 9: 48, 10: 64, 11: 28 };
export const PGPHASHALGO_MD5 = 1;
export const PGPHASHALGO_SHA256 = 8;

export interface RpmFile {
  readonly path: string;
  readonly username: string;
  readonly groupname: string;
  readonly mode: number;
  readonly size: number;
  /** Hex digest; all zeros for entries without one (directories, links), as librpm reports. */
  readonly digest: string;
  readonly digestAlgo: number;
}

/** The file list of a header, as librpm's rpmfi iterates it. */
export function rpmFiles(h: RpmHeader): RpmFile[] {
  let paths: string[];
  const basenames = h.strings(RpmTag.BASENAMES);
  if (basenames.length > 0) {
    const dirnames = h.strings(RpmTag.DIRNAMES);
    const dirindexes = h.numbers(RpmTag.DIRINDEXES);
    paths = basenames.map((b, i) => `${dirnames[dirindexes[i] ?? -1] ?? ""}${b}`);
  } else {
    paths = h.strings(RpmTag.OLDFILENAMES);
  }
  const users = h.strings(RpmTag.FILEUSERNAME);
  const groups = h.strings(RpmTag.FILEGROUPNAME);
  const modes = h.numbers(RpmTag.FILEMODES);
  const sizes = h.has(RpmTag.LONGFILESIZES) ? h.numbers(RpmTag.LONGFILESIZES) : h.numbers(RpmTag.FILESIZES);
  const digests = h.strings(RpmTag.FILEDIGESTS);
  const algo = h.number(RpmTag.FILEDIGESTALGO) ?? PGPHASHALGO_MD5;
  const zeros = "0".repeat((DIGEST_LENGTH[algo] ?? 16) * 2);
  return paths.map((path, i) => {
    const digest = digests[i];
    return {
    path,
    username: users[i] ?? "",
    groupname: groups[i] ?? "",
    mode: modes[i] ?? 0,
    size: sizes[i] ?? 0,
    digest: digest ? digest.toLowerCase() : zeros,
    digestAlgo: algo,
    };
  });
}
