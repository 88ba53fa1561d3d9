// The values osquery's `certificates` and `secureboot_certificates` tables
// derive from OpenSSL for a certificate: X509_check_ca(), the self-signed
// test of X509_check_issued(cert, cert), key algorithm, strength and usage,
// and the two name renderings. node:crypto hashes.
import { createHash } from "node:crypto";
import { childrenOf, contentOf as value, decodeOid, readTlv } from "./der.ts";
import { certTimeToEpoch, OID, repeatsExtension, serialHex, signatureAlgorithm, type Certificate } from "./x509.ts";
import { canonicalName, nameOneline, namePrintOneline, parseName, type NameEntry } from "./x509_name.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

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

// ---------------------------------------------------------------- osquery's values

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
    // A key that does not decode has no strength in OpenSSL either: the column stays empty.
    return null;
  }
}

/** DSA_size(): the DER length of a signature whose r and s are both q. */
function dsaSignatureSize(cert: Certificate): number | null {
  if (!cert.keyParams || cert.keyParams.tag !== 16) return null;
  const [, q] = childrenOf(cert.der, cert.keyParams);
  if (!q) return null;
  let v = value(cert.der, q);
  while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
  const intLen = v.length + 2;
  const content = intLen * 2;
  return content + 1 + (content < 128 ? 1 : content < 256 ? 2 : 3);
}

function keyStrength(cert: Certificate): string | undefined {
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
    return CURVES[decodeOid(value(cert.der, cert.keyParams))];
  }
  return undefined;
}

/** check_sig_alg_match(): the certificate's own key type can verify its signature algorithm. */
function sigAlgMatchesOwnKey(cert: Certificate): boolean {
  const sig = signatureAlgorithm(cert.tbsSignatureOid);
  const key = KEY_ALGORITHMS[cert.keyOid];
  if (!sig?.key || !key) return false;
  if (sig.key === key.family) return true;
  return sig.key === "rsa-pss" && key.family === "rsa";
}

/** X509_check_akid(cert, cert's own AKID). */
function akidMatchesSelf(cert: Certificate, akid: AuthorityKeyId | null, skid: Uint8Array | null): boolean {
  if (!akid) return true;
  if (akid.keyId && skid && !equalBytes(akid.keyId, skid)) return false;
  if (akid.serial && !integerEqual(akid.serial, cert.serial)) return false;
  if (akid.issuer && canonicalName(akid.issuer) !== canonicalName(cert.issuer)) return false;
  return true;
}

/** Computes every osquery column value of one certificate. */
export function certificateInfo(cert: Certificate): CertificateInfo {
  // Of a repeated extension the last one counts here; the repeat itself voids the CA and usage checks.
  const ext = (oid: string) => cert.extensions.findLast((e) => e.oid === oid)?.value;
  const badExtension = repeatsExtension(cert);
  const ku = bitStringBytes(ext(OID.keyUsage));
  const bc = basicConstraints(ext(OID.basicConstraints));
  const skid = octetString(ext(OID.subjectKeyIdentifier));
  const akid = authorityKeyId(ext(OID.authorityKeyIdentifier));
  const nsCert = bitStringBytes(ext(OID.netscapeCertType));
  const kuReject = (usage: number) => ku !== null && (ku & usage) === 0;

  const selfIssued = canonicalName(cert.subject) === canonicalName(cert.issuer);
  const selfSigned = selfIssued && akidMatchesSelf(cert, akid, skid) && sigAlgMatchesOwnKey(cert);

  // X509_check_ca() > 0
  let ca = false;
  if (!badExtension && !kuReject(KU_KEY_CERT_SIGN)) {
    if (bc.present) ca = bc.ca;
    else if (cert.version === 0 && selfSigned) ca = true;
    else if (ku !== null) ca = true;
    else if (nsCert !== null && (nsCert & 0x07) !== 0) ca = true;
  }

  const cnEntry = cert.subject.find((e) => e.oid === OID.commonName);
  const cn = cnEntry && cnEntry.bytes.length > 0 ? Buffer.from(cnEntry.bytes).toString("latin1") : undefined;
  let keyUsage: string | undefined;
  if (ku !== null && !badExtension) {
    keyUsage = KEY_USAGE_NAMES.filter(([bit]) => (ku & bit) !== 0)
      .map(([, name]) => name)
      .join(", ");
  } else if (badExtension) keyUsage = "";

  return {
    common_name: cn === undefined ? undefined : Buffer.from(cn, "latin1").toString("utf8"),
    subject: nameOneline(cert.subject),
    subject2: namePrintOneline(cert.subject),
    issuer: nameOneline(cert.issuer),
    issuer2: namePrintOneline(cert.issuer),
    ca: ca ? 1 : 0,
    self_signed: selfSigned && !kuReject(KU_KEY_CERT_SIGN) && !badExtension ? 1 : 0,
    not_valid_before: certTimeToEpoch(cert.notBefore) ?? undefined,
    not_valid_after: certTimeToEpoch(cert.notAfter) ?? undefined,
    signing_algorithm: signatureAlgorithm(cert.signatureOid)?.ln,
    key_algorithm: KEY_ALGORITHMS[cert.keyOid]?.ln,
    key_strength: keyStrength(cert),
    key_usage: keyUsage,
    subject_key_id: skid ? hex(skid) : undefined,
    authority_key_id: akid?.keyId ? hex(akid.keyId) : undefined,
    sha1: createHash("sha1").update(cert.der).digest("hex"),
    serial: serialHex(cert.serial),
  };
}

