// Private key inspection for user_ssh_keys: is a file a private key, is it
// encrypted, and its type, size and strength, with the values osquery gets
// from OpenSSL (PEM keys) or from its own reading of OpenSSH-format keys.
import { createPrivateKey } from "node:crypto";
import { bitLength, childrenOf, contentOf, isSequence, isUniversal, readTlv, TAG } from "../../src/linux/der.ts";
import { verbose } from "../../src/logger/glog.ts";

export interface PrivateKeyInfo {
  readonly encrypted: boolean;
  /** OpenSSL's family ("rsa", "dsa", "ec", "dh", "" for others) or, for OpenSSH keys, "ed25519", "ecdsa-p256", .... */
  readonly keyType: string;
  /** The EC curve's OpenSSL name (e.g. "prime256v1"), else "". */
  readonly groupName: string;
  /** Key size in bits; -1 when unknown (encrypted PEM keys). */
  readonly length: number;
  readonly securityBits: number;
}

const UNKNOWN = { keyType: "", groupName: "", length: -1, securityBits: -1 } as const;

// PEM labels OpenSSL's PEM_read_bio_PrivateKey accepts; other blocks (certificates,
// public keys, "OPENSSH PRIVATE KEY") are passed over.
const PEM_PRIVATE = new Set(["PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "DSA PRIVATE KEY", "EC PRIVATE KEY"]);
const OPENSSH_HEADER = "-----BEGIN OPENSSH PRIVATE KEY-----";
// base64 of "openssh-key-v1\0" + string "none": the start of every unencrypted OpenSSH key body.
const OPENSSH_UNENCRYPTED = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU";

/** Inspects a file's content; null when it is not a private key osquery would report. */
export function inspectPrivateKey(content: string): PrivateKeyInfo | null {
  const pem = inspectPem(content);
  if (pem) return pem;
  if (content.startsWith(OPENSSH_HEADER)) {
    const encrypted = content.slice(OPENSSH_HEADER.length + 1, OPENSSH_HEADER.length + 1 + OPENSSH_UNENCRYPTED.length) !== OPENSSH_UNENCRYPTED;
    return { encrypted, groupName: "", ...openSshKeyType(content) };
  }
  return null;
}

function inspectPem(content: string): PrivateKeyInfo | null {
  const begin = /-----BEGIN ([^-\r\n]+)-----/g;
  for (let m = begin.exec(content); m; m = begin.exec(content)) {
    const label = m[1]!;
    if (!PEM_PRIVATE.has(label)) continue;
    const endMarker = `-----END ${label}-----`;
    const end = content.indexOf(endMarker, m.index);
    if (end < 0) return null;
    const block = content.slice(m.index, end + endMarker.length);
    // OpenSSL asks for a passphrase (and osquery refuses one) before it learns anything about the key.
    if (label === "ENCRYPTED PRIVATE KEY" || /^Proc-Type:\s*4,\s*ENCRYPTED/m.test(block)) {
      return { encrypted: true, ...UNKNOWN };
    }
    return describePem(block);
  }
  return null;
}

const CURVE_ORDER_BITS: Readonly<Record<string, number>> = {
  prime192v1: 192,
  secp224r1: 224,
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
};

function describePem(block: string): PrivateKeyInfo | null {
  let key;
  try {
    key = createPrivateKey(block);
  } catch {
    // Bun's crypto cannot load it: the PKCS#8 reader below tries the key types OpenSSL adds.
    return describeUnsupportedPkcs8(block);
  }
  const d = key.asymmetricKeyDetails ?? {};
  const plain = { encrypted: false, groupName: "" };
  switch (key.asymmetricKeyType) {
    case "rsa":
    case "rsa-pss": {
      const bits = d.modulusLength ?? -1;
      return { ...plain, keyType: key.asymmetricKeyType === "rsa" ? "rsa" : "", length: bits, securityBits: ifcSecurityBits(bits) };
    }
    case "dsa": {
      const bits = d.modulusLength ?? -1;
      return { ...plain, keyType: "dsa", length: bits, securityBits: bnSecurityBits(bits, d.divisorLength ?? -1) };
    }
    case "ec": {
      const curve = d.namedCurve ?? "";
      const bits = CURVE_ORDER_BITS[curve] ?? -1;
      return { ...plain, keyType: "ec", groupName: curve, length: bits, securityBits: bits < 0 ? -1 : ecSecurityBits(bits) };
    }
    case "dh": {
      const bits = d.modulusLength ?? -1;
      return { ...plain, keyType: "dh", length: bits, securityBits: ifcSecurityBits(bits) };
    }
    case "ed25519":
      return { ...plain, keyType: "", length: 256, securityBits: 128 };
    case "x25519":
      return { ...plain, keyType: "", length: 253, securityBits: 128 };
    case "ed448":
      return { ...plain, keyType: "", length: 456, securityBits: 224 };
    case "x448":
      return { ...plain, keyType: "", length: 448, securityBits: 224 };
    default:
      return { ...plain, ...UNKNOWN };
  }
}

// --- PKCS#8 keys Bun's crypto cannot load (Ed448, X448, RSA-PSS) but OpenSSL can.

const OID_ED448 = "2b6571";
const OID_X448 = "2b656f";
const OID_RSA_PSS = "2a864886f70d01010a";

function describeUnsupportedPkcs8(block: string): PrivateKeyInfo | null {
  if (!block.startsWith("-----BEGIN PRIVATE KEY-----")) return null;
  const b64 = block.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = new Uint8Array(Buffer.from(b64, "base64"));
  try {
    return describePkcs8(der);
  } catch (e) {
    verbose("private_key.ts", `PKCS#8 key does not decode: ${(e as Error).message}`);
    return null;
  }
}

function describePkcs8(der: Uint8Array): PrivateKeyInfo | null {
  const top = readTlv(der, 0);
  if (!isSequence(top)) return null;
  const [, algId, privKey] = childrenOf(der, top);
  const oid = algId && childrenOf(der, algId)[0];
  if (!oid || !isUniversal(oid, TAG.oid) || !privKey || !isUniversal(privKey, TAG.octetString)) return null;
  const plain = { encrypted: false, keyType: "", groupName: "" };
  switch (Buffer.from(contentOf(der, oid)).toString("hex")) {
    case OID_ED448:
      return { ...plain, length: 456, securityBits: 224 };
    case OID_X448:
      return { ...plain, length: 448, securityBits: 224 };
    case OID_RSA_PSS: {
      // RSAPrivateKey ::= SEQUENCE { version, modulus, ... }, read inside the OCTET STRING.
      const body = contentOf(der, privKey);
      const rsa = readTlv(body, 0);
      const modulus = childrenOf(body, rsa)[1];
      if (!modulus || !isUniversal(modulus, TAG.integer)) return null;
      const bits = bitLength(contentOf(body, modulus));
      return { ...plain, length: bits, securityBits: ifcSecurityBits(bits) };
    }
    default:
      return null;
  }
}

// --- OpenSSH "openssh-key-v1" keys, read as osquery reads them: the key type
// and size come from the public key blob, which stays clear even when the
// private part is encrypted.

function openSshKeyType(content: string): { keyType: string; length: number; securityBits: number } {
  const none = { keyType: "", length: -1, securityBits: -1 };
  const start = content.indexOf("\n");
  const end = content.indexOf("-----END");
  if (start < 0 || end < 0 || end <= start + 1) return none;
  const b64 = content.slice(start + 1, end).replace(/[\n\r ]/g, "");
  const data = new Uint8Array(Buffer.from(b64, "base64"));
  if (data.length < 50) return none;
  const u32 = (p: number) => ((data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!) >>> 0;
  let pos = 15; // "openssh-key-v1\0"
  for (let i = 0; i < 3; i++) {
    // ciphername, kdfname, kdfoptions
    if (pos + 4 > data.length) return none;
    pos += 4 + u32(pos);
  }
  pos += 4; // number of keys
  if (pos + 4 > data.length) return none;
  const blobLen = u32(pos);
  pos += 4;
  if (blobLen === 0 || pos + 4 > data.length) return none;
  const typeLen = u32(pos);
  pos += 4;
  if (typeLen === 0 || typeLen > 64 || pos + typeLen > data.length) return none;
  const type = Buffer.from(data.subarray(pos, pos + typeLen)).toString("latin1");
  pos += typeLen;

  // The first mpint after the type (RSA skips e to reach n; DSA reads p):
  // its length in bytes, not counting a leading sign byte, times eight.
  const mpintBits = (skipFirst: boolean): number => {
    if (skipFirst) {
      if (pos + 4 > data.length) return -1;
      pos += 4 + u32(pos);
    }
    if (pos + 4 > data.length) return -1;
    const n = u32(pos);
    pos += 4;
    if (n === 0 || pos + n > data.length) return -1;
    return (data[pos] === 0 && n > 1 ? n - 1 : n) * 8;
  };

  switch (type) {
    case "ssh-ed25519":
      return { keyType: "ed25519", length: 256, securityBits: 128 };
    case "ssh-rsa": {
      const bits = mpintBits(true);
      if (bits < 0) return { ...none, keyType: "rsa" };
      const sec = bits >= 15360 ? 256 : bits >= 7680 ? 192 : bits >= 3072 ? 128 : bits >= 2048 ? 112 : bits >= 1024 ? 80 : 64;
      return { keyType: "rsa", length: bits, securityBits: sec };
    }
    case "ssh-dss": {
      const bits = mpintBits(false);
      return bits < 0 ? { ...none, keyType: "dsa" } : { keyType: "dsa", length: bits, securityBits: 80 };
    }
    case "ecdsa-sha2-nistp256":
      return { keyType: "ecdsa-p256", length: 256, securityBits: 128 };
    case "ecdsa-sha2-nistp384":
      return { keyType: "ecdsa-p384", length: 384, securityBits: 192 };
    case "ecdsa-sha2-nistp521":
      return { keyType: "ecdsa-p521", length: 521, securityBits: 256 };
    default:
      return { ...none, keyType: type };
  }
}

// --- OpenSSL 3's security-strength estimates.

/** EC: from the group order's bit length (NIST SP 800-57 classes). */
export function ecSecurityBits(orderBits: number): number {
  if (orderBits >= 512) return 256;
  if (orderBits >= 384) return 192;
  if (orderBits >= 256) return 128;
  if (orderBits >= 224) return 112;
  if (orderBits >= 160) return 80;
  return Math.trunc(orderBits / 2);
}

/** DSA: BN_security_bits(L = bits of p, N = bits of q). */
export function bnSecurityBits(l: number, n: number): number {
  let sec: number;
  if (l >= 15360) sec = 256;
  else if (l >= 7680) sec = 192;
  else if (l >= 3072) sec = 128;
  else if (l >= 2048) sec = 112;
  else if (l >= 1024) sec = 80;
  else return 0;
  if (n === -1) return sec;
  const half = Math.trunc(n / 2);
  if (half < 80) return 0;
  return Math.min(half, sec);
}

// Fixed-point constants of the estimate (scale 2^18), as OpenSSL defines them.
const SCALE = 1n << 18n;
const CBRT_SCALE = 1n << 12n;
const LOG_2 = 0x02c5c8n; // scale * ln(2)
const LOG_E = 0x05c551n; // scale * log2(e)
const C1_923 = 0x07b126n; // scale * 1.923
const C4_690 = 0x12c28fn; // scale * 4.690
const U64 = (v: bigint) => BigInt.asUintN(64, v);
const mul2 = (a: bigint, b: bigint) => U64(a * b) / SCALE;

function icbrt64(x: bigint): bigint {
  let r = 0n;
  for (let s = 63n; s >= 0n; s -= 3n) {
    r = U64(r << 1n);
    const b = U64(3n * r * (r + 1n) + 1n);
    if (x >> s >= b) {
      x = U64(x - U64(b << s));
      r++;
    }
  }
  return U64(r * CBRT_SCALE);
}

function ilogE(v: bigint): bigint {
  let r = 0n;
  while (v >= 2n * SCALE) {
    v >>= 1n;
    r += SCALE;
  }
  for (let i = SCALE / 2n; i !== 0n; i /= 2n) {
    v = mul2(v, v);
    if (v >= 2n * SCALE) {
      v >>= 1n;
      r += i;
    }
  }
  return BigInt.asUintN(32, (r * SCALE) / LOG_E);
}

/**
 * RSA (and finite-field DH) strength for an n-bit modulus: the NIST SP 800-56B
 * Appendix D estimate in OpenSSL's fixed-point form, with the standards'
 * canonical values for the common sizes (so 4096 bits is 152, not 128).
 */
export function ifcSecurityBits(n: number): number {
  if (n < 0) return -1;
  const canonical: Record<number, number> = { 2048: 112, 3072: 128, 4096: 152, 6144: 176, 7680: 192, 8192: 200, 15360: 256 };
  if (canonical[n] !== undefined) return canonical[n]!;
  if (n >= 687737) return 1200;
  if (n < 8) return 0;
  const cap = n <= 7680 ? 192 : n <= 15360 ? 256 : 1200;
  const x = BigInt(n) * LOG_2;
  const lx = ilogE(x);
  let y = Number(BigInt.asUintN(16, U64(mul2(C1_923, icbrt64(mul2(mul2(x, lx), lx))) - C4_690) / LOG_2));
  y = (y + 4) & ~7 & 0xffff;
  return Math.min(y, cap);
}
