// X.509 certificates in DER: one certificate model that both of osquery's
// certificate tables read. The two OpenSSL renderings on top of it are
// x509_print.ts (X509V3_EXT_print and friends, for curl_certificate) and
// x509_info.ts (X509_check_ca, self-signed, key strength, for certificates
// and secureboot_certificates). node:crypto's X509Certificate lacks most of
// these fields (signature, key usage bits, policies, key identifiers) and
// renders names and the CA flag differently, so the DER is read here.
import { createHash } from "node:crypto";
import { childrenOf, contentOf, decodeOid, readTlv, TAG, type Tlv } from "./der.ts";
import { attempt, type Result } from "../result.ts";
import { parseName, type NameEntry } from "./x509_name.ts";

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER inside extnValue. */
  readonly value: Uint8Array;
}

/** A UTCTime or GeneralizedTime: its universal tag and its characters. */
export interface Asn1Time {
  readonly tag: number;
  readonly text: string;
}

export interface Certificate {
  /** The certificate's own TLV (trailing bytes of the input dropped). */
  readonly der: Uint8Array;
  /** The version field as encoded: 0 for v1, 2 for v3. */
  readonly version: number;
  /** The serial's two's-complement bytes. */
  readonly serial: Uint8Array;
  readonly tbsSignatureOid: string;
  readonly signatureOid: string;
  /** The signature bytes (the BIT STRING without its unused-bits octet). */
  readonly signature: Uint8Array;
  readonly issuer: readonly NameEntry[];
  readonly subject: readonly NameEntry[];
  readonly notBefore: Asn1Time;
  readonly notAfter: Asn1Time;
  readonly keyOid: string;
  /** The key algorithm's parameters, as a TLV in `der`. */
  readonly keyParams: Tlv | null;
  /** subjectPublicKey without the unused-bits octet. */
  readonly keyBits: Uint8Array;
  /** Every extension in certificate order, repeats included. */
  readonly extensions: readonly Extension[];
}

/** Parses a DER certificate; throws when its structure is not a certificate. */
export function parseCertificate(input: Uint8Array): Certificate {
  const outer = readTlv(input, 0);
  const der = input.subarray(0, outer.end);
  const [tbs, sigAlg, sigValue] = childrenOf(der, outer);
  if (!tbs || !sigAlg) throw new Error("x509: not a certificate");
  const fields = childrenOf(der, tbs);
  let i = 0;
  let version = 0;
  if (fields[0]?.cls === 2 && fields[0].tag === 0) {
    const [v] = childrenOf(der, fields[0]);
    const hex = v ? Buffer.from(contentOf(der, v)).toString("hex") : "";
    version = Number(BigInt("0x" + (hex || "0")));
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
    return o ? decodeOid(contentOf(der, o)) : "";
  };
  const extensions: Extension[] = [];
  for (const f of fields.slice(i + 6)) {
    if (f.cls !== 2 || f.tag !== 3) continue;
    const [seq] = childrenOf(der, f);
    if (!seq) continue;
    for (const ext of childrenOf(der, seq)) {
      const parts = childrenOf(der, ext);
      const octets = parts[parts.length - 1];
      if (parts.length < 2 || !octets || octets.tag !== TAG.octetString) continue;
      const flag = parts.length > 2 && parts[1]!.tag === TAG.boolean ? parts[1]! : undefined;
      extensions.push({
        oid: decodeOid(contentOf(der, parts[0]!)),
        critical: flag !== undefined && der[flag.contentStart] !== 0,
        value: contentOf(der, octets),
      });
    }
  }
  const ascii = (t: Tlv) => Buffer.from(contentOf(der, t)).toString("latin1");
  return {
    der,
    version,
    serial: contentOf(der, serialT),
    tbsSignatureOid: algOid(sigT),
    signatureOid: algOid(sigAlg),
    signature: sigValue ? contentOf(der, sigValue).subarray(1) : new Uint8Array(0),
    issuer: parseName(der, issuerT),
    subject: parseName(der, subjectT),
    notBefore: { tag: nb.tag, text: ascii(nb) },
    notAfter: { tag: na.tag, text: ascii(na) },
    keyOid: keyOidT ? decodeOid(contentOf(der, keyOidT)) : "",
    keyParams: keyParams ?? null,
    keyBits: contentOf(der, keyBitString).subarray(1),
    extensions,
  };
}

/** parseCertificate's answer or why there is none, for callers that skip the certificate and say why. */
export function decodeCertificate(der: Uint8Array): Result<Certificate> {
  return attempt(() => parseCertificate(der));
}

/** The first extension with this OID, as X509V3_EXT_print walks them. */
export function firstExtension(cert: Certificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

/** OpenSSL refuses a certificate that repeats an extension (its cached extension flags become invalid). */
export function repeatsExtension(cert: Certificate): boolean {
  const seen = new Set<string>();
  for (const e of cert.extensions) {
    if (seen.has(e.oid)) return true;
    seen.add(e.oid);
  }
  return false;
}

// ---------------------------------------------------------------- times

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A time as a Date and as ASN1_TIME_print shows it; throws on a malformed time. */
export function printTime(t: Asn1Time): { date: Date; text: string } {
  const generalized = t.tag === TAG.generalizedTime;
  const m = generalized
    ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d+)?(Z?)$/.exec(t.text)
    : /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)()(Z?)$/.exec(t.text);
  if (!m) throw new Error(`bad time ${t.text}`);
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

/**
 * ASN1_TIME_print() then osquery's strptime("%b %e %H:%M:%S %Y %Z") and
 * mktime(): the broken-down UTC time read back as *local* time, as osquery
 * does (identical to the Unix time on hosts running in UTC). null when
 * OpenSSL's text would not parse (fractional seconds, malformed time).
 */
export function certTimeToEpoch(t: Asn1Time): number | null {
  const m = t.tag === TAG.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t.text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t.text);
  if (!m) return null;
  let year = Number(m[1]);
  if (t.tag === TAG.utcTime) year += year < 50 ? 2000 : 1900;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const date = new Date(year, mo - 1, d, h, mi, s);
  date.setFullYear(year); // years 0..99 would otherwise be read as 19xx
  return Math.floor(date.getTime() / 1000);
}

// ---------------------------------------------------------------- PEM

/** Base64 PEM text as PEM_write_bio_X509 writes it. */
export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
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

// ---------------------------------------------------------------- values

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

export function fingerprint(der: Uint8Array, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(der).digest("hex");
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
  netscapeCertType: "2.16.840.1.113730.1.1",
} as const;

/**
 * Signature algorithms: OpenSSL's short name (OBJ_nid2sn, what
 * curl_certificate shows), long name (OBJ_nid2ln, what certificates shows)
 * and the key family that verifies them. A name is absent where osq's
 * renderings have not needed it.
 */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { sn?: string; ln?: string; key?: string }>> = {
  "1.2.840.113549.1.1.2": { sn: "RSA-MD2", ln: "md2WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.3": { sn: "RSA-MD4", ln: "md4WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.4": { sn: "RSA-MD5", ln: "md5WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.5": { sn: "RSA-SHA1", ln: "sha1WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.10": { sn: "RSASSA-PSS", ln: "rsassaPss", key: "rsa-pss" },
  "1.2.840.113549.1.1.11": { sn: "RSA-SHA256", ln: "sha256WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.12": { sn: "RSA-SHA384", ln: "sha384WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.13": { sn: "RSA-SHA512", ln: "sha512WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.14": { sn: "RSA-SHA224", ln: "sha224WithRSAEncryption", key: "rsa" },
  "1.2.840.113549.1.1.15": { sn: "RSA-SHA512/224" },
  "1.2.840.113549.1.1.16": { sn: "RSA-SHA512/256" },
  "1.3.14.3.2.29": { ln: "sha1WithRSA", key: "rsa" },
  "2.16.840.1.101.3.4.3.13": { sn: "RSA-SHA3-224" },
  "2.16.840.1.101.3.4.3.14": { sn: "RSA-SHA3-256" },
  "2.16.840.1.101.3.4.3.15": { sn: "RSA-SHA3-384" },
  "2.16.840.1.101.3.4.3.16": { sn: "RSA-SHA3-512" },
  "1.2.840.10045.4.1": { sn: "ecdsa-with-SHA1", ln: "ecdsa-with-SHA1", key: "ec" },
  "1.2.840.10045.4.3.1": { sn: "ecdsa-with-SHA224", ln: "ecdsa-with-SHA224", key: "ec" },
  "1.2.840.10045.4.3.2": { sn: "ecdsa-with-SHA256", ln: "ecdsa-with-SHA256", key: "ec" },
  "1.2.840.10045.4.3.3": { sn: "ecdsa-with-SHA384", ln: "ecdsa-with-SHA384", key: "ec" },
  "1.2.840.10045.4.3.4": { sn: "ecdsa-with-SHA512", ln: "ecdsa-with-SHA512", key: "ec" },
  "2.16.840.1.101.3.4.3.9": { sn: "id-ecdsa-with-sha3-224" },
  "2.16.840.1.101.3.4.3.10": { sn: "id-ecdsa-with-sha3-256" },
  "2.16.840.1.101.3.4.3.11": { sn: "id-ecdsa-with-sha3-384" },
  "2.16.840.1.101.3.4.3.12": { sn: "id-ecdsa-with-sha3-512" },
  "1.2.840.10040.4.3": { sn: "DSA-SHA1", ln: "dsaWithSHA1", key: "dsa" },
  "2.16.840.1.101.3.4.3.1": { sn: "dsa_with_SHA224", ln: "dsa_with_SHA224", key: "dsa" },
  "2.16.840.1.101.3.4.3.2": { sn: "dsa_with_SHA256", ln: "dsa_with_SHA256", key: "dsa" },
  "1.3.101.112": { sn: "ED25519", ln: "ED25519", key: "ed25519" },
  "1.3.101.113": { sn: "ED448", ln: "ED448", key: "ed448" },
  "1.2.156.10197.1.501": { sn: "SM2-sign-with-SM3", ln: "SM2-with-SM3", key: "sm2" },
};

export function signatureAlgorithm(oid: string): { sn?: string; ln?: string; key?: string } | undefined {
  return SIGNATURE_ALGORITHMS[oid];
}
