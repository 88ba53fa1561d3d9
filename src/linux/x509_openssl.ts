// The values osquery's `certificates` table derives from OpenSSL for an
// X.509 certificate: OpenSSL's two distinguished-name renderings
// (X509_NAME_oneline, and X509_NAME_print_ex with XN_FLAG_ONELINE), its
// object long names, X509_check_ca(), the self-signed test of
// X509_check_issued(cert, cert), key strength and key usage. node:crypto's
// X509Certificate renders names and the CA flag differently, so the fields
// are read from the DER (with x509.ts's ASN.1 reader); node:crypto hashes.
import { createHash } from "node:crypto";
import { childrenOf, decodeOid, readTlv, serialHex, type Tlv } from "./x509.ts";

const value = (buf: Uint8Array, t: Tlv) => buf.subarray(t.contentStart, t.end);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const HEX_UPPER = "0123456789ABCDEF";
const hexByte = (b: number) => (HEX_UPPER[b >> 4] as string) + (HEX_UPPER[b & 15] as string);

// ---------------------------------------------------------------- object names

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

/** Long names (OBJ_nid2ln) of signature and key algorithms, with the key family each needs. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { ln: string; key: string }>> = {
  "1.2.840.113549.1.1.2": { ln: "md2WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.3": { ln: "md4WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.4": { ln: "md5WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.5": { ln: "sha1WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.10": { ln: "rsassaPss", key: "rsa-pss" },
  "1.2.840.113549.1.1.11": { ln: "sha256WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.12": { ln: "sha384WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.13": { ln: "sha512WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.14": { ln: "sha224WithRSAEncryption", key: "rsa" },
  "1.3.14.3.2.29": { ln: "sha1WithRSA", key: "rsa" },
  "1.2.840.10045.4.1": { ln: "ecdsa-with-SHA1", key: "ec" },
  "1.2.840.10045.4.3.1": { ln: "ecdsa-with-SHA224", key: "ec" },
  "1.2.840.10045.4.3.2": { ln: "ecdsa-with-SHA256", key: "ec" },
  "1.2.840.10045.4.3.3": { ln: "ecdsa-with-SHA384", key: "ec" },
  "1.2.840.10045.4.3.4": { ln: "ecdsa-with-SHA512", key: "ec" },
  "1.2.840.10040.4.3": { ln: "dsaWithSHA1", key: "dsa" },
  "2.16.840.1.101.3.4.3.1": { ln: "dsa_with_SHA224", key: "dsa" },
  "2.16.840.1.101.3.4.3.2": { ln: "dsa_with_SHA256", key: "dsa" },
  "1.3.101.112": { ln: "ED25519", key: "ed25519" },
  "1.3.101.113": { ln: "ED448", key: "ed448" },
  "1.2.156.10197.1.501": { ln: "SM2-with-SM3", key: "sm2" },
};

const KEY_ALGORITHMS: Readonly<Record<string, { ln: string; family: string }>> = {
  "1.2.840.113549.1.1.1": { ln: "rsaEncryption", family: "rsa" },
  "1.2.840.113549.1.1.10": { ln: "rsassaPss", family: "rsa-pss" },
  "1.2.840.10045.2.1": { ln: "id-ecPublicKey", family: "ec" },
  "1.2.840.10040.4.1": { ln: "dsaEncryption", family: "dsa" },
  "1.3.101.110": { ln: "X25519", family: "x25519" },
  "1.3.101.111": { ln: "X448", family: "x448" },
  "1.3.101.112": { ln: "ED25519", family: "ed25519" },
  "1.3.101.113": { ln: "ED448", family: "ed448" },
};

const CURVES: Readonly<Record<string, string>> = {
  "1.2.840.10045.3.1.1": "prime192v1",
  "1.2.840.10045.3.1.7": "prime256v1",
  "1.3.132.0.10": "secp256k1",
  "1.3.132.0.33": "secp224r1",
  "1.3.132.0.34": "secp384r1",
  "1.3.132.0.35": "secp521r1",
  "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
  "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
  "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
  "1.2.156.10197.1.301": "sm2",
};

// ---------------------------------------------------------------- names

/** One attribute of a distinguished name, with the index of its RDN (set). */
export interface NameEntry {
  readonly oid: string;
  readonly set: number;
  readonly tag: number; // universal tag of the value (12 UTF8String, 19 PrintableString, ...)
  readonly bytes: Uint8Array; // content octets
  readonly der: Uint8Array; // whole value TLV
}

function parseName(buf: Uint8Array, t: Tlv): NameEntry[] {
  const out: NameEntry[] = [];
  childrenOf(buf, t).forEach((rdn, set) => {
    for (const atv of childrenOf(buf, rdn)) {
      const [type, val] = childrenOf(buf, atv);
      if (!type || !val) continue;
      out.push({ oid: decodeOid(value(buf, type)), set, tag: val.cls === 0 ? val.tag : -1, bytes: value(buf, val), der: buf.subarray(val.start, val.end) });
    }
  });
  return out;
}

/** X509_NAME_oneline(): "/C=US/O=Org/CN=Name", '+' joining a multi-valued RDN. */
export function nameOneline(entries: readonly NameEntry[]): string {
  let out = "";
  let prevSet = -1;
  for (const e of entries) {
    out += prevSet === e.set ? "+" : "/";
    out += `${ATTRIBUTE_SN[e.oid] ?? e.oid}=`;
    // A GeneralString of 4-byte characters whose first three bytes are all zero is printed from every 4th byte.
    let keep = (_j: number) => true;
    if (e.tag === 27 && e.bytes.length % 4 === 0) {
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
function canonicalName(entries: readonly NameEntry[]): string {
  return entries
    .map((e) => {
      const width = charWidth(e.tag);
      let v: string;
      if (width < 0 || e.tag === 23 || e.tag === 24 || e.tag === 18) v = `#${hex(e.der)}`;
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

// ---------------------------------------------------------------- certificates

export interface CertificateFields {
  readonly der: Uint8Array;
  readonly version: number; // 0 for v1, 2 for v3
  readonly serial: Uint8Array; // INTEGER content octets (two's complement)
  readonly tbsSignatureOid: string;
  readonly signatureOid: string;
  readonly issuer: NameEntry[];
  readonly subject: NameEntry[];
  readonly notBefore: { tag: number; text: string };
  readonly notAfter: { tag: number; text: string };
  readonly keyOid: string;
  readonly keyParams: Tlv | null;
  readonly keyBits: Uint8Array; // subjectPublicKey without the unused-bits octet
  readonly extensions: ReadonlyMap<string, Uint8Array>; // extnValue contents by OID
  readonly badExtension: boolean;
  readonly buf: Uint8Array;
}

/** Decodes the fields of one DER certificate; throws when its structure is not a certificate. */
export function parseCertificateFields(input: Uint8Array): CertificateFields {
  const outer = readTlv(input, 0);
  const der = input.subarray(0, outer.end);
  const [tbs, sigAlg] = childrenOf(der, outer);
  if (!tbs || !sigAlg) throw new Error("x509: not a certificate");
  const fields = childrenOf(der, tbs);
  let i = 0;
  let version = 0;
  if (fields[0]?.cls === 2 && fields[0].tag === 0) {
    const [v] = childrenOf(der, fields[0]);
    version = v ? (value(der, v)[0] ?? 0) : 0;
    i = 1;
  }
  const [serialT, sigT, issuerT, validityT, subjectT, spkiT] = fields.slice(i, i + 6);
  if (!serialT || !sigT || !issuerT || !validityT || !subjectT || !spkiT) throw new Error("x509: short tbsCertificate");
  const [nb, na] = childrenOf(der, validityT);
  const [keyAlg, keyBitString] = childrenOf(der, spkiT);
  if (!nb || !na || !keyAlg || !keyBitString) throw new Error("x509: bad validity or key");
  const [keyOidT, keyParams] = childrenOf(der, keyAlg);
  const algOid = (t: Tlv) => {
    const [o] = childrenOf(der, t);
    return o ? decodeOid(value(der, o)) : "";
  };
  const extensions = new Map<string, Uint8Array>();
  let badExtension = false;
  for (const f of fields.slice(i + 6)) {
    if (f.cls !== 2 || f.tag !== 3) continue;
    const [seq] = childrenOf(der, f);
    if (!seq) continue;
    for (const ext of childrenOf(der, seq)) {
      const parts = childrenOf(der, ext);
      const oid = parts[0] ? decodeOid(value(der, parts[0])) : "";
      const octets = parts[parts.length - 1];
      if (!octets || octets.tag !== 4) continue;
      // OpenSSL refuses a certificate that repeats an extension (its cached flags become invalid).
      if (extensions.has(oid)) badExtension = true;
      extensions.set(oid, value(der, octets));
    }
  }
  const ascii = (t: Tlv) => Buffer.from(value(der, t)).toString("latin1");
  return {
    der,
    version,
    serial: value(der, serialT),
    tbsSignatureOid: algOid(sigT),
    signatureOid: algOid(sigAlg),
    issuer: parseName(der, issuerT),
    subject: parseName(der, subjectT),
    notBefore: { tag: nb.tag, text: ascii(nb) },
    notAfter: { tag: na.tag, text: ascii(na) },
    keyOid: keyOidT ? decodeOid(value(der, keyOidT)) : "",
    keyParams: keyParams ?? null,
    keyBits: value(der, keyBitString).subarray(1),
    extensions,
    badExtension,
    buf: der,
  };
}

/** Splits PEM text into the DER of each certificate block (CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE). */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN ((?:X509 |TRUSTED )?CERTIFICATE)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    const body = (m[2] ?? "")
      .split("\n")
      .filter((l) => !l.includes(":"))
      .join("")
      .replace(/\s+/g, "");
    out.push(new Uint8Array(Buffer.from(body, "base64")));
  }
  return out;
}

// ---------------------------------------------------------------- osquery's values

/**
 * ASN1_TIME_print() then osquery's strptime("%b %e %H:%M:%S %Y %Z") and
 * mktime(): the broken-down UTC time read back as *local* time, as osquery
 * does (identical to the Unix time on hosts running in UTC). null when
 * OpenSSL's text would not parse (fractional seconds, malformed time).
 */
export function certTimeToEpoch(t: { tag: number; text: string }): number | null {
  const m = t.tag === 23 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t.text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t.text);
  if (!m) return null;
  let year = Number(m[1]);
  if (t.tag === 23) year += year < 50 ? 2000 : 1900;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const date = new Date(year, mo - 1, d, h, mi, s);
  date.setFullYear(year); // years 0..99 would otherwise be read as 19xx
  return Math.floor(date.getTime() / 1000);
}

function bitStringBytes(ext: Uint8Array | undefined): number | null {
  if (!ext) return null;
  const t = readTlv(ext, 0);
  if (t.tag !== 3) return null;
  const v = value(ext, t).subarray(1);
  return (v[0] ?? 0) | ((v[1] ?? 0) << 8);
}

const KU_KEY_CERT_SIGN = 0x0004;
const KEY_USAGE_NAMES: [number, string][] = [
  [0x0001, "Encipher Only"],
  [0x0002, "CRL Sign"],
  [0x0004, "Key Cert Sign"],
  [0x0008, "Key Agreement"],
  [0x0010, "Data Encipherment"],
  [0x0020, "Key Encipherment"],
  [0x0040, "Non Repudiation"],
  [0x0080, "Digital Signature"],
  [0x8000, "Decipher Only"],
];

interface AuthorityKeyId {
  keyId: Uint8Array | null;
  issuer: NameEntry[] | null;
  serial: Uint8Array | null;
}

function authorityKeyId(ext: Uint8Array | undefined): AuthorityKeyId | null {
  if (!ext) return null;
  const seq = readTlv(ext, 0);
  const out: AuthorityKeyId = { keyId: null, issuer: null, serial: null };
  for (const c of childrenOf(ext, seq)) {
    if (c.cls !== 2) continue;
    if (c.tag === 0) out.keyId = value(ext, c);
    else if (c.tag === 2) out.serial = value(ext, c);
    else if (c.tag === 1) {
      for (const gn of childrenOf(ext, c)) {
        if (gn.cls === 2 && gn.tag === 4) {
          const [name] = childrenOf(ext, gn);
          if (name) out.issuer = parseName(ext, name);
          break;
        }
      }
    }
  }
  return out;
}

function octetString(ext: Uint8Array | undefined): Uint8Array | null {
  if (!ext) return null;
  const t = readTlv(ext, 0);
  return t.tag === 4 ? value(ext, t) : null;
}

function basicConstraints(ext: Uint8Array | undefined): { present: boolean; ca: boolean } {
  if (!ext) return { present: false, ca: false };
  const seq = readTlv(ext, 0);
  const [first] = childrenOf(ext, seq);
  return { present: true, ca: first?.tag === 1 && (value(ext, first)[0] ?? 0) !== 0 };
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function integerEqual(a: Uint8Array, b: Uint8Array): boolean {
  return serialHex(a) === serialHex(b);
}

/** The values of osquery's `certificates` columns for one certificate. */
export interface CertificateInfo {
  common_name: string | undefined;
  subject: string;
  subject2: string;
  issuer: string;
  issuer2: string;
  ca: number;
  self_signed: number;
  not_valid_before: number | undefined;
  not_valid_after: number | undefined;
  signing_algorithm: string | undefined;
  key_algorithm: string | undefined;
  key_strength: string | undefined;
  key_usage: string | undefined;
  subject_key_id: string | undefined;
  authority_key_id: string | undefined;
  sha1: string;
  serial: string;
}

function rsaModulusBytes(keyBits: Uint8Array): number | null {
  try {
    const seq = readTlv(keyBits, 0);
    const [n] = childrenOf(keyBits, seq);
    if (!n) return null;
    let v = value(keyBits, n);
    while (v.length > 0 && v[0] === 0) v = v.subarray(1);
    return v.length;
  } catch {
    return null;
  }
}

/** DSA_size(): the DER length of a signature whose r and s are both q. */
function dsaSignatureSize(cert: CertificateFields): number | null {
  if (!cert.keyParams || cert.keyParams.tag !== 16) return null;
  const [, q] = childrenOf(cert.buf, cert.keyParams);
  if (!q) return null;
  let v = value(cert.buf, q);
  while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
  const intLen = v.length + 2;
  const content = intLen * 2;
  return content + 1 + (content < 128 ? 1 : content < 256 ? 2 : 3);
}

function keyStrength(cert: CertificateFields): string | undefined {
  const alg = KEY_ALGORITHMS[cert.keyOid];
  if (alg?.family === "rsa") {
    const n = rsaModulusBytes(cert.keyBits);
    return n ? String(n * 8) : undefined;
  }
  if (alg?.family === "dsa") {
    const n = dsaSignatureSize(cert);
    return n ? String(n * 8) : undefined;
  }
  if (alg?.family === "ec") {
    if (!cert.keyParams || cert.keyParams.tag !== 6) return undefined; // explicit curve parameters: no name
    return CURVES[decodeOid(value(cert.buf, cert.keyParams))];
  }
  return undefined;
}

/** check_sig_alg_match(): the certificate's own key type can verify its signature algorithm. */
function sigAlgMatchesOwnKey(cert: CertificateFields): boolean {
  const sig = SIGNATURE_ALGORITHMS[cert.tbsSignatureOid];
  const key = KEY_ALGORITHMS[cert.keyOid];
  if (!sig || !key) return false;
  if (sig.key === key.family) return true;
  return sig.key === "rsa-pss" && key.family === "rsa";
}

/** X509_check_akid(cert, cert's own AKID). */
function akidMatchesSelf(cert: CertificateFields, akid: AuthorityKeyId | null, skid: Uint8Array | null): boolean {
  if (!akid) return true;
  if (akid.keyId && skid && !equalBytes(akid.keyId, skid)) return false;
  if (akid.serial && !integerEqual(akid.serial, cert.serial)) return false;
  if (akid.issuer && canonicalName(akid.issuer) !== canonicalName(cert.issuer)) return false;
  return true;
}

/** Computes every osquery column value of one certificate. */
export function certificateInfo(cert: CertificateFields): CertificateInfo {
  const ku = bitStringBytes(cert.extensions.get("2.5.29.15"));
  const bc = basicConstraints(cert.extensions.get("2.5.29.19"));
  const skid = octetString(cert.extensions.get("2.5.29.14"));
  const akid = authorityKeyId(cert.extensions.get("2.5.29.35"));
  const nsCert = bitStringBytes(cert.extensions.get("2.16.840.1.113730.1.1"));
  const kuReject = (usage: number) => ku !== null && (ku & usage) === 0;

  const selfIssued = canonicalName(cert.subject) === canonicalName(cert.issuer);
  const selfSigned = selfIssued && akidMatchesSelf(cert, akid, skid) && sigAlgMatchesOwnKey(cert);

  // X509_check_ca() > 0
  let ca = false;
  if (!cert.badExtension && !kuReject(KU_KEY_CERT_SIGN)) {
    if (bc.present) ca = bc.ca;
    else if (cert.version === 0 && selfSigned) ca = true;
    else if (ku !== null) ca = true;
    else if (nsCert !== null && (nsCert & 0x07) !== 0) ca = true;
  }

  const cnEntry = cert.subject.find((e) => e.oid === "2.5.4.3");
  const cn = cnEntry && cnEntry.bytes.length > 0 ? Buffer.from(cnEntry.bytes).toString("latin1") : undefined;
  let keyUsage: string | undefined;
  if (ku !== null && !cert.badExtension) {
    keyUsage = KEY_USAGE_NAMES.filter(([bit]) => (ku & bit) !== 0)
      .map(([, name]) => name)
      .join(", ");
  } else if (cert.badExtension) keyUsage = "";

  return {
    common_name: cn === undefined ? undefined : Buffer.from(cn, "latin1").toString("utf8"),
    subject: nameOneline(cert.subject),
    subject2: namePrintOneline(cert.subject),
    issuer: nameOneline(cert.issuer),
    issuer2: namePrintOneline(cert.issuer),
    ca: ca ? 1 : 0,
    self_signed: selfSigned && !kuReject(KU_KEY_CERT_SIGN) && !cert.badExtension ? 1 : 0,
    not_valid_before: certTimeToEpoch(cert.notBefore) ?? undefined,
    not_valid_after: certTimeToEpoch(cert.notAfter) ?? undefined,
    signing_algorithm: SIGNATURE_ALGORITHMS[cert.signatureOid]?.ln,
    key_algorithm: KEY_ALGORITHMS[cert.keyOid]?.ln,
    key_strength: keyStrength(cert),
    key_usage: keyUsage,
    subject_key_id: skid ? hex(skid) : undefined,
    authority_key_id: akid?.keyId ? hex(akid.keyId) : undefined,
    sha1: createHash("sha1").update(cert.der).digest("hex"),
    serial: serialHex(cert.serial),
  };
}

export { serialHex };
