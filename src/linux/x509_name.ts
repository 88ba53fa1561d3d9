// X.509 distinguished names, kept as their raw attribute values so each of
// OpenSSL's renderings can be reproduced byte for byte: X509_NAME_oneline,
// X509_NAME_print_ex with XN_FLAG_ONELINE, and X509_NAME_cmp's canonical form.
import { childrenOf, contentOf, decodeOid, decodeString, TAG, type Tlv } from "./der.ts";

/** One attribute of a distinguished name, with the index of its RDN (set). */
export interface NameEntry {
  readonly oid: string;
  readonly set: number;
  /** Universal tag of the value (12 UTF8String, 19 PrintableString, ...), -1 for other classes. */
  readonly tag: number;
  /** The value's content octets. */
  readonly bytes: Uint8Array;
  /** The whole value TLV. */
  readonly der: Uint8Array;
}

export function parseName(buf: Uint8Array, t: Tlv): NameEntry[] {
  const out: NameEntry[] = [];
  childrenOf(buf, t).forEach((rdn, set) => {
    for (const atv of childrenOf(buf, rdn)) {
      const [type, val] = childrenOf(buf, atv);
      if (!type || !val) continue;
      out.push({
        oid: decodeOid(contentOf(buf, type)),
        set,
        tag: val.cls === 0 ? val.tag : -1,
        bytes: contentOf(buf, val),
        der: buf.subarray(val.start, val.end),
      });
    }
  });
  return out;
}

/** The decoded text of the first value of an attribute (X509_NAME_get_text_by_NID), or undefined. */
export function nameField(name: readonly NameEntry[], oid: string): string | undefined {
  const e = name.find((x) => x.oid === oid);
  return e ? decodeString(e.tag, e.bytes) : undefined;
}

const HEX_UPPER = "0123456789ABCDEF";
const hexByte = (b: number) => (HEX_UPPER[b >> 4] as string) + (HEX_UPPER[b & 15] as string);

/** Short names OpenSSL prints for name attributes (OBJ_nid2sn). */
const ATTRIBUTE_SN: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
  "2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title", "2.5.4.13": "description",
  "2.5.4.14": "searchGuide", "2.5.4.15": "businessCategory", "2.5.4.16": "postalAddress", "2.5.4.17": "postalCode",
  "2.5.4.18": "postOfficeBox", "2.5.4.20": "telephoneNumber", "2.5.4.41": "name", "2.5.4.42": "GN",
  "2.5.4.43": "initials", "2.5.4.44": "generationQualifier", "2.5.4.45": "x500UniqueIdentifier",
  "2.5.4.46": "dnQualifier", "2.5.4.51": "houseIdentifier", "2.5.4.54": "dmdName", "2.5.4.65": "pseudonym",
  "2.5.4.72": "role", "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress", "1.2.840.113549.1.9.2": "unstructuredName",
  "1.2.840.113549.1.9.8": "unstructuredAddress",
  "0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.25": "DC",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
};

/** X509_NAME_oneline(): "/C=US/O=Org/CN=Name", '+' joining a multi-valued RDN. */
export function nameOneline(entries: readonly NameEntry[]): string {
  let out = "";
  let prevSet = -1;
  for (const e of entries) {
    out += prevSet === e.set ? "+" : "/";
    out += `${ATTRIBUTE_SN[e.oid] ?? e.oid}=`;
    // A GeneralString of 4-byte characters whose first three bytes are all zero is printed from every 4th byte.
    let keep = (_j: number) => true;
    if (e.tag === TAG.generalString && e.bytes.length % 4 === 0) {
      const nonZero = [false, false, false, false];
      e.bytes.forEach((b, j) => {
        if (b !== 0) nonZero[j & 3] = true;
      });
      if (!(nonZero[0] || nonZero[1] || nonZero[2])) keep = (j) => (j & 3) === 3;
    }
    e.bytes.forEach((b, j) => {
      if (!keep(j)) return;
      if (b < 0x20 || b > 0x7e) out += `\\x${hexByte(b)}`;
      else out += (b === 0x2f || b === 0x2b ? "\\" : "") + String.fromCharCode(b);
    });
    prevSet = e.set;
  }
  return out;
}

// OpenSSL's char_type table (crypto/asn1/charmap.h) for characters 0..127.
// prettier-ignore
const CHAR_TYPE = [
  1026, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  120, 0, 1, 40, 0, 0, 0, 16, 1040, 1040, 33792, 25, 25, 16400, 8208, 16, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112,
  4112, 4112, 16, 9, 9, 16, 9, 16, 0, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112,
  4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 0, 1025, 0, 0, 0, 0, 4112, 4112, 4112, 4112, 4112, 4112, 4112,
  4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 4112, 0, 0, 0, 0, 2,
];
const ESC_2253 = 1, ESC_CTRL = 2, ESC_MSB = 4, ESC_QUOTE = 8;
const FIRST_ESC_2253 = 0x20, LAST_ESC_2253 = 0x40;
const BS_ESC = ESC_2253 | FIRST_ESC_2253 | LAST_ESC_2253;
/** XN_FLAG_ONELINE's string flags: RFC 2253 escaping, quotes instead of backslashes, UTF-8 conversion. */
const ONELINE_FLAGS = ESC_2253 | ESC_CTRL | ESC_MSB | ESC_QUOTE;

/** Characters per width of each string type (tag2nbyte); -1 dumps the value as hex. */
function charWidth(tag: number): number {
  switch (tag) {
    case 12: return 0; // UTF8String
    case 18: case 19: case 20: case 22: case 23: case 24: case 26: return 1;
    case 28: return 4; // UniversalString
    case 30: return 2; // BMPString
    default: return -1;
  }
}

function utf8Bytes(c: number): number[] {
  if (c < 0x80) return [c];
  if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  if (c < 0x10000) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
  return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}

/** do_esc_char(): one character as ASN1_STRING_print_ex writes it; sets quote.need when quoting is wanted. */
function escChar(c: number, flags: number, quote: { need: boolean }): string {
  if (c > 0xffff) return `\\W${c.toString(16).toUpperCase().padStart(8, "0")}`;
  if (c > 0xff) return `\\U${c.toString(16).toUpperCase().padStart(4, "0")}`;
  const chflgs = c > 0x7f ? flags & ESC_MSB : (CHAR_TYPE[c] as number) & flags;
  if (chflgs & BS_ESC) {
    if (chflgs & ESC_QUOTE) {
      quote.need = true;
      return String.fromCharCode(c);
    }
    return `\\${String.fromCharCode(c)}`;
  }
  if (chflgs & (ESC_CTRL | ESC_MSB)) return `\\${hexByte(c)}`;
  if (c === 0x5c) return "\\\\";
  return String.fromCharCode(c);
}

/** do_print_ex() with XN_FLAG_ONELINE's string flags. */
function printValue(e: NameEntry): string {
  const width = charWidth(e.tag);
  if (width < 0) return `#${Array.from(e.der, hexByte).join("")}`;
  // UTF8String is walked byte by byte (already UTF-8); other types are decoded, then re-encoded as UTF-8.
  const chars: number[] = [];
  const b = e.bytes;
  const step = width === 0 ? 1 : width;
  for (let i = 0; i + step <= b.length; i += step) {
    let c = 0;
    for (let k = 0; k < step; k++) c = c * 256 + (b[i + k] as number);
    chars.push(c);
  }
  const quote = { need: false };
  let out = "";
  chars.forEach((c, i) => {
    let flags = ONELINE_FLAGS;
    if (i === 0) flags |= FIRST_ESC_2253;
    if (i === chars.length - 1) flags |= LAST_ESC_2253;
    if (width !== 0 && c > 0x7f) {
      for (const byte of utf8Bytes(c)) out += escChar(byte, flags, quote);
    } else out += escChar(c, flags, quote);
  });
  return quote.need ? `"${out}"` : out;
}

/** X509_NAME_print_ex(..., XN_FLAG_ONELINE): "C = US, O = \"Org, Inc.\", CN = Name". */
export function namePrintOneline(entries: readonly NameEntry[]): string {
  let out = "";
  let prev = -1;
  for (const e of entries) {
    if (prev !== -1) out += prev === e.set ? " + " : ", ";
    prev = e.set;
    out += `${ATTRIBUTE_SN[e.oid] ?? e.oid} = ${printValue(e)}`;
  }
  return out;
}

/** X509_NAME_cmp()'s canonical form: strings as UTF-8, trimmed, inner spaces collapsed, ASCII lower-cased. */
export function canonicalName(entries: readonly NameEntry[]): string {
  return entries
    .map((e) => {
      const width = charWidth(e.tag);
      let v: string;
      if (width < 0 || e.tag === 23 || e.tag === 24 || e.tag === 18) v = `#${Buffer.from(e.der).toString("hex")}`;
      else {
        let text = "";
        if (width === 0) text = Buffer.from(e.bytes).toString("utf8");
        else for (let i = 0; i + width <= e.bytes.length; i += width) {
          let c = 0;
          for (let k = 0; k < width; k++) c = c * 256 + (e.bytes[i + k] as number);
          text += String.fromCodePoint(c);
        }
        v = text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "").replace(/[ \t\n\v\f\r]+/g, " ").replace(/[A-Z]/g, (ch) => ch.toLowerCase());
      }
      return `${e.set}:${e.oid}=${v}`;
    })
    .join("\u0000");
}
