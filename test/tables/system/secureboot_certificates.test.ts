// secureboot_certificates: the tests
// build efivarfs-style db/dbx variables from certificates made here with the
// openssl CLI (plus hash lists and junk the walk must skip), and check every
// certificate column against openssl's own view of the same certificate.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSignatureList, EFI_CERT_X509_GUID, guidBytes, x509SignatureEntries } from "../../../src/linux/efi_signature_list.ts";
import { certificateRows, secureBootCertificateRows } from "../../../tables/system/secureboot_certificates.ts";
import type { Row } from "../../../src/table.ts";
import { OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";

/** Where efivarfs is mounted, and osquery reads the variables. */
const EFIVARS_DIR = "/sys/firmware/efi/efivars";
const EFI_CERT_SHA256_GUID = "c1c41626-504c-4092-aca9-41f936934328";
const DB_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
const OWNER = "77fa9abd-0359-4d32-bd60-28f4e78f784b";
const ATTRS = new Uint8Array([0x27, 0, 0, 0]);

const tmp = mkdtempSync(join(tmpdir(), "osq-sbcert-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  const r = Bun.spawnSync(["openssl", ...args], { cwd: tmp, stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

let caDer: Uint8Array;
let leafDer: Uint8Array;
beforeAll(() => {
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/C=US/O=Test Platform/CN=Test DB CA 2023",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/O=Test Vendor/CN=Test Boot Loader Signer");
  writeFileSync(join(tmp, "leaf.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x7f0011aa", "-days", "400", "-extfile", "leaf.ext", "-out", "leaf.pem");
  openssl("x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der");
  openssl("x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der");
  caDer = new Uint8Array(readFileSync(join(tmp, "ca.der")));
  leafDer = new Uint8Array(readFileSync(join(tmp, "leaf.der")));
});

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** openssl's "May  5 09:37:37 2011 GMT", read back as local time as osquery's mktime() does. */
function opensslDate(text: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d+) GMT$/.exec(text.trim())!;
  return Math.floor(new Date(Number(m[6]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime() / 1000);
}

/** The certificate columns as the openssl CLI prints them for `pemFile`. */
function opensslView(pemFile: string): Row {
  const out = openssl("x509", "-in", pemFile, "-noout", "-nameopt", "compat", "-subject", "-issuer", "-serial", "-fingerprint", "-sha1", "-dates", "-ext", "subjectKeyIdentifier,authorityKeyIdentifier");
  const lines = out.split("\n");
  const field = (p: string) => lines.find((l) => l.startsWith(p))?.slice(p.length) ?? "";
  const keyIdAfter = (header: string) => {
    const at = lines.findIndex((l) => l.startsWith(header));
    return at < 0 ? "" : lines[at + 1]!.trim().replace(/^keyid:/, "").replaceAll(":", "").toLowerCase();
  };
  const text = openssl("x509", "-in", pemFile, "-noout", "-text");
  return {
    common_name: /CN=([^/]+)$/.exec(field("subject="))?.[1] ?? "",
    subject: field("subject="),
    issuer: field("issuer="),
    serial: field("serial="),
    sha1: field("sha1 Fingerprint=").replaceAll(":", "").toLowerCase(),
    not_valid_before: opensslDate(field("notBefore=")),
    not_valid_after: opensslDate(field("notAfter=")),
    subject_key_id: keyIdAfter("X509v3 Subject Key Identifier"),
    authority_key_id: keyIdAfter("X509v3 Authority Key Identifier"),
    signing_algorithm: /Signature Algorithm: (\S+)/.exec(text)?.[1] ?? "",
    key_algorithm: /Public Key Algorithm: (\S+)/.exec(text)?.[1] ?? "",
  };
}

function pick(row: Row, keys: string[]): Row {
  return Object.fromEntries(keys.map((k) => [k, row[k]]));
}

describe("EFI signature list walk", () => {
  test("X.509 lists give their entries; hash lists, a SignatureHeader and several entries per list", () => {
    const hashes = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const twoCerts = buildSignatureList(EFI_CERT_X509_GUID, OWNER, [caDer, caDer], new Uint8Array([9, 9, 9, 9]));
    const content = concat(ATTRS, buildSignatureList(EFI_CERT_SHA256_GUID, OWNER, hashes), twoCerts, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [leafDer]));
    const entries = x509SignatureEntries(content);
    expect(entries.map((e) => Buffer.from(e.data).equals(Buffer.from(caDer)) ? "ca" : Buffer.from(e.data).equals(Buffer.from(leafDer)) ? "leaf" : "?")).toEqual(["ca", "ca", "leaf"]);
    // The SHA-256 list is 28 + 2 * 48 bytes; the first cert follows its 28-byte header, 4-byte SignatureHeader and owner GUID.
    expect(entries[0]!.offset).toBe(4 + 28 + 2 * 48 + 28 + 4 + 16);
  });

  test("GUIDs are stored with their first three fields little-endian", () => {
    expect(Buffer.from(guidBytes(EFI_CERT_X509_GUID)).toString("hex")).toBe("a159c0a5e494a74a87b5ab155c2bf072");
  });

  test("a zero or overrunning list size ends the walk; short entries are skipped", () => {
    const good = buildSignatureList(EFI_CERT_X509_GUID, OWNER, [leafDer]);
    const zero = new Uint8Array(28); // a list header whose size is 0
    expect(x509SignatureEntries(concat(ATTRS, good, zero, good)).length).toBe(1);
    const overrun = buildSignatureList(EFI_CERT_X509_GUID, OWNER, [leafDer]);
    new DataView(overrun.buffer).setUint32(16, overrun.length + 1, true);
    expect(x509SignatureEntries(concat(ATTRS, good, overrun)).length).toBe(1);
    const tiny = buildSignatureList(EFI_CERT_X509_GUID, OWNER, [new Uint8Array(0)]); // SignatureSize 16: no payload
    expect(x509SignatureEntries(concat(ATTRS, tiny, good)).length).toBe(1);
    expect(x509SignatureEntries(ATTRS)).toEqual([]);
    expect(x509SignatureEntries(concat(ATTRS, good.subarray(0, 20)))).toEqual([]);
  });
});

describe("secureboot_certificates", () => {
  test("fixture efivars: db and dbx certificates match openssl, other variables ignored", () => {
    const dir = join(tmp, "efivars");
    writeEfivars(dir);
    const rows = secureBootCertificateRows(dir);
    checkRows(rows, dir);
    expect(pick(rows[0]!, ["is_ca", "self_signed", "key_strength", "key_usage"])).toEqual({ is_ca: 1, self_signed: 1, key_strength: "2048", key_usage: "CRL Sign, Key Cert Sign, Digital Signature" });
    expect(pick(rows[1]!, ["is_ca", "self_signed", "key_strength", "key_usage"])).toEqual({ is_ca: 0, self_signed: 0, key_strength: "prime256v1", key_usage: "Digital Signature" });
  });

  test("an empty variable or a missing folder gives no rows", () => {
    expect(certificateRows(ATTRS, "/x", 0)).toEqual([]);
    expect(secureBootCertificateRows(join(tmp, "no-efivars"))).toEqual([]);
  });

  test("e2e: the binary reads the fixture variables where efivarfs keeps them", () => {
    const dir = join(tmp, "efivars-e2e");
    writeEfivars(dir);
    // /sys/firmware/efi/efivars holds the fixture only inside a private mount namespace.
    const [out] = inMountNamespace(
      ["mount -t tmpfs osq-efi /sys/firmware", `mkdir -p ${EFIVARS_DIR}`, `cp ${sh(dir)}/* ${EFIVARS_DIR}/`],
      [`${sh(OSQUERYI)} --json 'SELECT * FROM secureboot_certificates'`],
    );
    const rows = (JSON.parse(out ?? "") as Record<string, string>[]).map((r) => ({
      ...r,
      revoked: Number(r.revoked),
      not_valid_before: Number(r.not_valid_before),
      not_valid_after: Number(r.not_valid_after),
    }));
    checkRows(rows, EFIVARS_DIR);
  });
});

/** Three certificates: the CA and the leaf in db, the leaf again (revoked) in dbx. */
function checkRows(rows: Row[], dir: string): void {
  expect(rows.map((r) => [r.common_name, r.revoked, r.path])).toEqual([
    ["Test DB CA 2023", 0, join(dir, `db-${DB_GUID}`)],
    ["Test Boot Loader Signer", 0, join(dir, `db-${DB_GUID}`)],
    ["Test Boot Loader Signer", 1, join(dir, `dbx-${DB_GUID}`)],
  ]);
  const keys = ["common_name", "subject", "issuer", "serial", "sha1", "not_valid_before", "not_valid_after", "subject_key_id", "authority_key_id", "signing_algorithm", "key_algorithm"];
  const ca = opensslView(join(tmp, "ca.pem"));
  const leaf = opensslView(join(tmp, "leaf.pem"));
  expect(pick(rows[0]!, keys)).toEqual(ca);
  expect(pick(rows[1]!, keys)).toEqual(leaf);
  expect(pick(rows[2]!, keys)).toEqual(leaf);
}

/** db and dbx with certificates, hash lists and junk; dbDefault and KEK, which the table ignores. */
function writeEfivars(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const junk = buildSignatureList(EFI_CERT_X509_GUID, OWNER, [new Uint8Array(40).fill(0x30)]);
  const hashes = buildSignatureList(EFI_CERT_SHA256_GUID, OWNER, [new Uint8Array(32).fill(7)]);
  writeFileSync(join(dir, `db-${DB_GUID}`), concat(ATTRS, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [caDer]), junk, hashes, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [leafDer])));
  writeFileSync(join(dir, `dbx-${DB_GUID}`), concat(ATTRS, hashes, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [leafDer])));
  writeFileSync(join(dir, `dbDefault-8be4df61-93ca-11d2-aa0d-00e098032b8c`), concat(ATTRS, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [caDer])));
  writeFileSync(join(dir, `KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c`), concat(ATTRS, buildSignatureList(EFI_CERT_X509_GUID, OWNER, [caDer])));
}
