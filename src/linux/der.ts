// ASN.1 DER, read in place: a TLV is offsets into the caller's buffer, so
// nothing is copied until a value is needed. Certificates (x509.ts) and
// private keys (tables/accounts/private_key.ts) share this one reader.

export interface Tlv {
  /** Class bits (0 universal, 2 context-specific, ...). */
  readonly cls: number;
  readonly constructed: boolean;
  /** Tag number within its class. */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the contents and the offset after them. */
  readonly contentStart: number;
  readonly end: number;
}

/** Universal tag numbers the readers test for. */
export const TAG = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  oid: 6,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  t61String: 20,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
  generalString: 27,
  universalString: 28,
  bmpString: 30,
} as const;

/** The TLV at `offset`; throws when it is truncated or overruns the buffer. */
export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new Error("DER: truncated");
  const id = buf[offset]!;
  let p = offset + 1;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    let b: number;
    do {
      if (p >= buf.length) throw new Error("DER: truncated tag");
      b = buf[p++]!;
      tag = tag * 128 + (b & 0x7f);
    } while (b & 0x80);
  }
  if (p >= buf.length) throw new Error("DER: truncated length");
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 6 || p + n > buf.length) throw new Error("DER: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > buf.length) throw new Error("DER: content overruns");
  return { cls: id >> 6, constructed: (id & 0x20) !== 0, tag, start: offset, contentStart: p, end: p + len };
}

/** The elements inside a constructed TLV. */
export function childrenOf(buf: Uint8Array, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = tlv.contentStart; p < tlv.end; ) {
    const t = readTlv(buf, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** The content octets of a TLV (a view, not a copy). */
export const contentOf = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.contentStart, t.end);

/** A universal-class SEQUENCE. */
export const isSequence = (t: Tlv): boolean => t.cls === 0 && t.constructed && t.tag === TAG.sequence;

/** A universal-class primitive of the given tag number. */
export const isUniversal = (t: Tlv, tag: number): boolean => t.cls === 0 && !t.constructed && t.tag === tag;

/** Dotted text of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** Text of an ASN.1 string type (UTF8, Printable, IA5, T61, BMP, Universal, ...) by its universal tag. */
export function decodeString(tag: number, bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (tag === TAG.bmpString) return b.swap16().toString("utf16le"); // UCS-2 big-endian
  if (tag === TAG.universalString) {
    let s = "";
    for (let i = 0; i + 4 <= b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
    return s;
  }
  if (tag === TAG.t61String) return b.toString("latin1"); // treated as Latin-1 like most tools
  return b.toString("utf8");
}

/** An INTEGER's two's-complement content octets as a decimal string. */
export function integerText(b: Uint8Array): string {
  if (b.length === 0) return "0";
  const neg = (b[0]! & 0x80) !== 0;
  let n = BigInt("0x" + Buffer.from(b).toString("hex"));
  if (neg) n -= 1n << BigInt(b.length * 8);
  return n.toString();
}

/** The bit length of an unsigned INTEGER's magnitude (leading zero octets ignored). */
export function bitLength(intBody: Uint8Array): number {
  let i = 0;
  while (i < intBody.length && intBody[i] === 0) i++;
  if (i === intBody.length) return 0;
  return (intBody.length - i - 1) * 8 + (32 - Math.clz32(intBody[i]!));
}
