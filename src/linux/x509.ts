// X.509 certificates in DER: a small ASN.1 reader, the certificate fields,
// and the text OpenSSL 3 prints for them (ASN1_TIME_print, BN_bn2hex,
// X509V3_EXT_print), which is what osquery's certificate columns hold.
// node:crypto's X509Certificate lacks most of these (signature, key usage
// bits, policies, key identifiers), so the DER is read here.
import { createHash } from "node:crypto";

// ---------------------------------------------------------------- ASN.1 DER

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

const content = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.contentStart, t.end);

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

/** Text of an ASN.1 string type (UTF8, Printable, IA5, T61, BMP, Universal, ...). */
function decodeString(buf: Uint8Array, t: Tlv): string {
  const b = Buffer.from(content(buf, t));
  if (t.tag === 30) return b.swap16().toString("utf16le"); // BMPString, UCS-2 big-endian
  if (t.tag === 28) {
    let s = "";
    for (let i = 0; i + 4 <= b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
    return s;
  }
  if (t.tag === 20) return b.toString("latin1"); // T61String, treated as Latin-1 like most tools
  return b.toString("utf8");
}

const hexUpper = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();
const hexColon = (b: Uint8Array, upper: boolean): string =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).map((h) => (upper ? h.toUpperCase() : h)).join(":");

// -------------------------------------------------------------- OID names

/** OpenSSL short names of signature algorithms (OBJ_nid2sn). */
const SIGNATURE_SN: Record<string, string> = {
  "1.2.840.113549.1.1.2": "RSA-MD2",
  "1.2.840.113549.1.1.3": "RSA-MD4",
  "1.2.840.113549.1.1.4": "RSA-MD5",
  "1.2.840.113549.1.1.5": "RSA-SHA1",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.113549.1.1.11": "RSA-SHA256",
  "1.2.840.113549.1.1.12": "RSA-SHA384",
  "1.2.840.113549.1.1.13": "RSA-SHA512",
  "1.2.840.113549.1.1.14": "RSA-SHA224",
  "1.2.840.113549.1.1.15": "RSA-SHA512/224",
  "1.2.840.113549.1.1.16": "RSA-SHA512/256",
  "2.16.840.1.101.3.4.3.13": "RSA-SHA3-224",
  "2.16.840.1.101.3.4.3.14": "RSA-SHA3-256",
  "2.16.840.1.101.3.4.3.15": "RSA-SHA3-384",
  "2.16.840.1.101.3.4.3.16": "RSA-SHA3-512",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "2.16.840.1.101.3.4.3.9": "id-ecdsa-with-sha3-224",
  "2.16.840.1.101.3.4.3.10": "id-ecdsa-with-sha3-256",
  "2.16.840.1.101.3.4.3.11": "id-ecdsa-with-sha3-384",
  "2.16.840.1.101.3.4.3.12": "id-ecdsa-with-sha3-512",
  "1.2.840.10040.4.3": "DSA-SHA1",
  "2.16.840.1.101.3.4.3.1": "dsa_with_SHA224",
  "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
  "1.3.101.112": "ED25519",
  "1.3.101.113": "ED448",
  "1.2.156.10197.1.501": "SM2-sign-with-SM3",
};

/** OpenSSL long names (OBJ_obj2txt with names) of OIDs that appear in extension values. */
const LONG_NAMES: Record<string, string> = {
  // extended key usage
  "1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
  "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
  "1.3.6.1.5.5.7.3.3": "Code Signing",
  "1.3.6.1.5.5.7.3.4": "E-mail Protection",
  "1.3.6.1.5.5.7.3.5": "IPSec End System",
  "1.3.6.1.5.5.7.3.6": "IPSec Tunnel",
  "1.3.6.1.5.5.7.3.7": "IPSec User",
  "1.3.6.1.5.5.7.3.8": "Time Stamping",
  "1.3.6.1.5.5.7.3.9": "OCSP Signing",
  "1.3.6.1.5.5.7.3.17": "ipsec Internet Key Exchange",
  "2.5.29.37.0": "Any Extended Key Usage",
  "1.3.6.1.4.1.311.2.1.21": "Microsoft Individual Code Signing",
  "1.3.6.1.4.1.311.2.1.22": "Microsoft Commercial Code Signing",
  "1.3.6.1.4.1.311.10.3.1": "Microsoft Trust List Signing",
  "1.3.6.1.4.1.311.10.3.3": "Microsoft Server Gated Crypto",
  "1.3.6.1.4.1.311.10.3.4": "Microsoft Encrypted File System",
  "1.3.6.1.4.1.311.20.2.2": "Microsoft Smartcard Login",
  "2.16.840.1.113730.4.1": "Netscape Server Gated Crypto",
  // access methods
  "1.3.6.1.5.5.7.48.1": "OCSP",
  "1.3.6.1.5.5.7.48.2": "CA Issuers",
  "1.3.6.1.5.5.7.48.3": "AD Time Stamping",
  "1.3.6.1.5.5.7.48.5": "CA Repository",
  // policies
  "2.5.29.32.0": "X509v3 Any Policy",
};

const objText = (oid: string): string => LONG_NAMES[oid] ?? oid;

/** Short attribute names X509_NAME_oneline uses. */
const NAME_SN: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};

// ------------------------------------------------------------ certificate

export interface NameEntry {
  readonly oid: string;
  readonly value: string;
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER inside extnValue. */
  readonly value: Uint8Array;
}

export interface Certificate {
  readonly der: Uint8Array;
  /** The version field plus one (1, 2 or 3). */
  readonly version: number;
  /** The serial's two's-complement bytes. */
  readonly serial: Uint8Array;
  readonly issuer: readonly NameEntry[];
  readonly subject: readonly NameEntry[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The notBefore/notAfter text as ASN1_TIME_print shows it. */
  readonly notBeforeText: string;
  readonly notAfterText: string;
  readonly signatureOid: string;
  readonly signature: Uint8Array;
  readonly extensions: readonly Extension[];
}

function parseName(buf: Uint8Array, t: Tlv): NameEntry[] {
  const out: NameEntry[] = [];
  for (const rdn of childrenOf(buf, t)) {
    for (const atv of childrenOf(buf, rdn)) {
      const [type, value] = childrenOf(buf, atv);
      if (!type || !value) continue;
      out.push({ oid: decodeOid(content(buf, type)), value: decodeString(buf, value) });
    }
  }
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A UTCTime (tag 23) or GeneralizedTime (tag 24) as a Date and as OpenSSL prints it. */
export function parseTime(text: string, generalized: boolean): { date: Date; text: string } {
  const m = generalized
    ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d+)?(Z?)$/.exec(text)
    : /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)()(Z?)$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  let year = Number(m[1]);
  if (!generalized) year += year < 50 ? 2000 : 1900;
  const [mon, day, h, min, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const frac = m[7] ?? "";
  const date = new Date(Date.UTC(year, mon - 1, day, h, min, s, frac ? Math.floor(Number(frac) * 1000) : 0));
  const pad = (n: number) => String(n).padStart(2, "0");
  const printed =
    `${MONTHS[mon - 1]} ${String(day).padStart(2, " ")} ${pad(h)}:${pad(min)}:${pad(s)}${frac} ${year}` +
    (m[8] === "Z" ? " GMT" : "");
  return { date, text: printed };
}

/** Parses a DER certificate; throws on anything that is not one. */
export function parseCertificate(der: Uint8Array): Certificate {
  const cert = readTlv(der, 0);
  const [tbs, sigAlg, sigValue] = childrenOf(der, cert);
  if (!tbs || !sigAlg || !sigValue) throw new Error("not a certificate");
  const fields = childrenOf(der, tbs);
  let i = 0;
  let version = 1;
  if (fields[0] && fields[0].cls === 2 && fields[0].tag === 0) {
    const v = childrenOf(der, fields[0])[0];
    if (v) version = Number(BigInt("0x" + (hexUpper(content(der, v)) || "0"))) + 1;
    i++;
  }
  const serial = fields[i++]!;
  i++; // the inner signature AlgorithmIdentifier
  const issuer = fields[i++]!;
  const validity = fields[i++]!;
  const subject = fields[i++]!;
  i++; // subjectPublicKeyInfo
  const extensions: Extension[] = [];
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.cls !== 2 || f.tag !== 3) continue;
    const seq = childrenOf(der, f)[0];
    if (!seq) continue;
    for (const ext of childrenOf(der, seq)) {
      const parts = childrenOf(der, ext);
      const oid = decodeOid(content(der, parts[0]!));
      let critical = false;
      let value = parts[1]!;
      if (value.tag === 1 && parts[2]) {
        critical = der[value.contentStart] !== 0;
        value = parts[2];
      }
      extensions.push({ oid, critical, value: content(der, value) });
    }
  }
  const [nb, na] = childrenOf(der, validity);
  const nbT = parseTime(Buffer.from(content(der, nb!)).toString("latin1"), nb!.tag === 24);
  const naT = parseTime(Buffer.from(content(der, na!)).toString("latin1"), na!.tag === 24);
  const sigOid = decodeOid(content(der, childrenOf(der, sigAlg)[0]!));
  const sigBits = content(der, sigValue);
  return {
    der,
    version,
    serial: content(der, serial),
    issuer: parseName(der, issuer),
    subject: parseName(der, subject),
    notBefore: nbT.date,
    notAfter: naT.date,
    notBeforeText: nbT.text,
    notAfterText: naT.text,
    signatureOid: sigOid,
    signature: sigBits.subarray(1), // skip the unused-bits octet
    extensions,
  };
}

/** Base64 PEM text as PEM_write_bio_X509 writes it. */
export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Decodes the PEM blocks of a text into DER certificates. */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")));
  }
  return out;
}

/** BN_bn2hex of the serial: uppercase, leading zero bytes dropped, "-" for negatives. */
export function serialHex(serial: Uint8Array): string {
  if (serial.length === 0) return "0";
  let bytes = Buffer.from(serial);
  let sign = "";
  if (bytes[0]! & 0x80) {
    // two's complement negative: magnitude = ~x + 1
    let n = BigInt("0x" + bytes.toString("hex"));
    n = (1n << BigInt(bytes.length * 8)) - n;
    let hex = n.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    bytes = Buffer.from(hex, "hex");
    sign = "-";
  }
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const hex = bytes.subarray(start).toString("hex").toUpperCase();
  return hex === "" ? "0" : sign + hex;
}

/** The first value of an attribute in a name (X509_NAME_get_text_by_NID), or undefined. */
export function nameField(name: readonly NameEntry[], oid: string): string | undefined {
  return name.find((e) => e.oid === oid)?.value;
}

export const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  certificatePolicies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyIdentifier: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  subjectInfoAccess: "1.3.6.1.5.5.7.1.11",
} as const;

export function signatureAlgorithmName(oid: string): string {
  return SIGNATURE_SN[oid] ?? "undefined";
}

export function fingerprint(der: Uint8Array, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(der).digest("hex");
}

/** The signature bytes as lowercase colon-separated hex ("" for an unknown algorithm, as osquery). */
export function signatureHex(cert: Certificate): string {
  return SIGNATURE_SN[cert.signatureOid] ? hexColon(cert.signature, false) : "";
}

// ------------------------------------------------- extension text (OpenSSL 3)

/** X509_NAME_oneline: "/C=US/O=Example/CN=host". */
function nameOneline(entries: readonly NameEntry[]): string {
  return entries.map((e) => `/${NAME_SN[e.oid] ?? e.oid}=${e.value}`).join("");
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join(".");
  if (b.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).toUpperCase());
    return groups.join(":");
  }
  return "<invalid>";
}

/** One GeneralName as i2v_GENERAL_NAME names it: [name, value]. */
function generalName(buf: Uint8Array, t: Tlv): [string, string] {
  const raw = () => Buffer.from(content(buf, t)).toString("latin1");
  switch (t.tag) {
    case 0:
      return ["othername", "<unsupported>"];
    case 1:
      return ["email", raw()];
    case 2:
      return ["DNS", raw()];
    case 3:
      return ["X400Name", "<unsupported>"];
    case 4: {
      const inner = childrenOf(buf, t)[0];
      return ["DirName", inner ? nameOneline(parseName(buf, inner)) : ""];
    }
    case 5:
      return ["EdiPartyName", "<unsupported>"];
    case 6:
      return ["URI", raw()];
    case 7:
      return ["IP Address", ipText(content(buf, t))];
    case 8:
      return ["Registered ID", objText(decodeOid(content(buf, t)))];
    default:
      return ["", ""];
  }
}

type Conf = [name: string | null, value: string | null];

/** X509V3_EXT_val_prn: one line per value when multiline, else ", "-separated. */
function valPrn(values: Conf[], indent: number, multiline: boolean): string {
  const pad = " ".repeat(indent);
  if (values.length === 0) return pad + "<EMPTY>\n";
  const text = values.map(([n, v]) => (n === null ? (v ?? "") : v === null ? n : `${n}:${v}`));
  return multiline ? text.map((t) => pad + t).join("\n") : pad + text.join(", ");
}

const KEY_USAGE_NAMES = [
  "Digital Signature",
  "Non Repudiation",
  "Key Encipherment",
  "Data Encipherment",
  "Key Agreement",
  "Certificate Sign",
  "CRL Sign",
  "Encipher Only",
  "Decipher Only",
];

function bitSet(bits: Uint8Array, n: number): boolean {
  const byte = 1 + (n >> 3);
  return byte < bits.length && (bits[byte]! & (0x80 >> (n & 7))) !== 0;
}

function integerText(b: Uint8Array): string {
  if (b.length === 0) return "0";
  const neg = (b[0]! & 0x80) !== 0;
  let n = BigInt("0x" + Buffer.from(b).toString("hex"));
  if (neg) n -= 1n << BigInt(b.length * 8);
  return n.toString();
}

function generalNames(buf: Uint8Array, t: Tlv): Conf[] {
  return childrenOf(buf, t).map((g) => generalName(buf, g));
}

/** i2r_certpol with its qualifiers (CPS and user notices). */
function certificatePolicies(buf: Uint8Array, root: Tlv, indent: number): string {
  let out = "";
  const pad = (n: number) => " ".repeat(n);
  for (const info of childrenOf(buf, root)) {
    const [idT, qualsT] = childrenOf(buf, info);
    out += `${pad(indent)}Policy: ${objText(decodeOid(content(buf, idT!)))}\n`;
    if (!qualsT) continue;
    const quals = childrenOf(buf, qualsT);
    quals.forEach((q, i) => {
      if (i > 0) out += "\n";
      const [qid, qv] = childrenOf(buf, q);
      const qoid = decodeOid(content(buf, qid!));
      const ind = indent + 2;
      if (qoid === "1.3.6.1.5.5.7.2.1" && qv) {
        out += `${pad(ind)}CPS: ${decodeString(buf, qv)}`;
      } else if (qoid === "1.3.6.1.5.5.7.2.2") {
        out += `${pad(ind)}User Notice:\n`;
        let ref: Tlv | undefined;
        let explicit: Tlv | undefined;
        for (const part of qv ? childrenOf(buf, qv) : []) {
          if (part.tag === 16 && part.constructed) ref = part;
          else explicit = part;
        }
        const ind2 = ind + 2;
        if (ref) {
          const [org, nums] = childrenOf(buf, ref);
          const numbers = nums ? childrenOf(buf, nums).map((n) => integerText(content(buf, n))) : [];
          out += `${pad(ind2)}Organization: ${org ? decodeString(buf, org) : ""}\n`;
          out += `${pad(ind2)}Number${numbers.length > 1 ? "s" : ""}: ${numbers.join(", ")}`;
          if (explicit) out += "\n";
        }
        if (explicit) out += `${pad(ind2)}Explicit Text: ${decodeString(buf, explicit)}`;
      } else {
        out += `${pad(ind + 2)}Unknown Qualifier: ${objText(qoid)}`;
      }
    });
    if (quals.length > 0) out += "\n";
  }
  return out;
}

/** i2r_NAME_CONSTRAINTS: "Permitted:" / "Excluded:" followed by one subtree per line. */
function nameConstraints(buf: Uint8Array, root: Tlv, indent: number): string {
  const pad = (n: number) => " ".repeat(n);
  const section = (t: Tlv | undefined, label: string): string => {
    if (!t) return "";
    const trees = childrenOf(buf, t);
    if (trees.length === 0) return "";
    const lines = trees.map((tree) => {
      const base = childrenOf(buf, tree)[0]!;
      if (base.tag === 7) {
        const b = content(buf, base);
        const half = b.length / 2;
        return `${pad(indent + 2)}IP:${ipText(b.subarray(0, half))}/${ipText(b.subarray(half))}`;
      }
      if (base.tag === 4) {
        // GENERAL_NAME_print shows a directory name in OpenSSL's one-line form.
        const inner = childrenOf(buf, base)[0];
        const dn = inner ? parseName(buf, inner).map((e) => `${NAME_SN[e.oid] ?? e.oid} = ${e.value}`).join(", ") : "";
        return `${pad(indent + 2)}DirName:${dn}`;
      }
      const [n, v] = generalName(buf, base);
      return `${pad(indent + 2)}${n}:${v}`;
    });
    return `${pad(indent)}${label}:\n${lines.join("\n")}`;
  };
  let permitted: Tlv | undefined;
  let excluded: Tlv | undefined;
  for (const part of childrenOf(buf, root)) {
    if (part.tag === 0) permitted = part;
    else if (part.tag === 1) excluded = part;
  }
  const p = section(permitted, "Permitted");
  const e = section(excluded, "Excluded");
  return p && e ? `${p}\n${e}` : p + e;
}

/**
 * The text X509V3_EXT_print produces for one extension at `indent`, or
 * undefined when OpenSSL would not decode it (unknown or malformed).
 */
export function formatExtension(ext: Extension, indent = 0): string | undefined {
  const buf = ext.value;
  const pad = " ".repeat(indent);
  try {
    const root = readTlv(buf, 0);
    switch (ext.oid) {
      case OID.subjectKeyIdentifier:
        return pad + hexColon(content(buf, root), true);
      case OID.authorityKeyIdentifier: {
        const parts = childrenOf(buf, root);
        const keyid = parts.find((p) => p.tag === 0);
        const issuer = parts.find((p) => p.tag === 1);
        const serial = parts.find((p) => p.tag === 2);
        const values: Conf[] = [];
        if (keyid) values.push([issuer || serial ? "keyid" : null, hexColon(content(buf, keyid), true)]);
        if (issuer) for (const item of generalNames(buf, issuer)) values.push(item);
        if (serial) {
          // OpenSSL holds an INTEGER as its magnitude, without the DER sign octet.
          let b = content(buf, serial);
          while (b.length > 1 && b[0] === 0) b = b.subarray(1);
          values.push(["serial", hexColon(b, true)]);
        }
        return valPrn(values, indent, true);
      }
      case OID.keyUsage: {
        const bits = content(buf, root);
        const names = KEY_USAGE_NAMES.filter((_, i) => bitSet(bits, i));
        return valPrn(names.map((n) => [n, null]), indent, false);
      }
      case OID.extKeyUsage:
        return valPrn(childrenOf(buf, root).map((o) => [null, objText(decodeOid(content(buf, o)))]), indent, false);
      case OID.subjectAltName:
      case OID.issuerAltName:
        return valPrn(generalNames(buf, root), indent, false);
      case OID.authorityInfoAccess:
      case OID.subjectInfoAccess: {
        const values: Conf[] = childrenOf(buf, root).map((ad) => {
          const [method, location] = childrenOf(buf, ad);
          const [n, v] = generalName(buf, location!);
          return [`${objText(decodeOid(content(buf, method!)))} - ${n}`, v];
        });
        return valPrn(values, indent, true);
      }
      case OID.basicConstraints: {
        let ca = false;
        let pathlen: string | undefined;
        for (const p of childrenOf(buf, root)) {
          if (p.tag === 1) ca = buf[p.contentStart] !== 0;
          else if (p.tag === 2) pathlen = integerText(content(buf, p));
        }
        const values: Conf[] = [["CA", ca ? "TRUE" : "FALSE"]];
        if (pathlen !== undefined) values.push(["pathlen", pathlen]);
        return valPrn(values, indent, false);
      }
      case OID.policyConstraints: {
        const values: Conf[] = [];
        for (const p of childrenOf(buf, root)) {
          if (p.tag === 0) values.push(["Require Explicit Policy", integerText(content(buf, p))]);
          else if (p.tag === 1) values.push(["Inhibit Policy Mapping", integerText(content(buf, p))]);
        }
        return valPrn(values, indent, false);
      }
      case OID.policyMappings:
        return valPrn(
          childrenOf(buf, root).map((m) => {
            const [a, b] = childrenOf(buf, m);
            return [objText(decodeOid(content(buf, a!))), objText(decodeOid(content(buf, b!)))];
          }),
          indent,
          false,
        );
      case OID.certificatePolicies:
        return certificatePolicies(buf, root, indent);
      case OID.nameConstraints:
        return nameConstraints(buf, root, indent);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** ASN1_STRING_print: the raw bytes, non-printable ones as '.', osquery's fallback. */
function asn1StringPrint(b: Uint8Array): string {
  return [...b].map((c) => (c === 10 || c === 13 ? String.fromCharCode(c) : c < 32 || c > 126 ? "." : String.fromCharCode(c))).join("");
}

/**
 * An extension's column value as osquery's curl_certificate computes it: the
 * printed text, one trailing newline removed, other newlines turned into ';'.
 */
export function extensionColumn(cert: Certificate, oid: string): string {
  const ext = cert.extensions.find((e) => e.oid === oid);
  if (!ext) return "";
  let text = formatExtension(ext) ?? asn1StringPrint(ext.value);
  if (text.endsWith("\n") || text.endsWith("\r")) text = text.slice(0, -1);
  return text.replaceAll("\n", ";");
}
