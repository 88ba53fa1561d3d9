// certificates: every certificate of this host's CA bundle, and of a bundle
// of unusual certificates made here with openssl, checked field by field
// against the openssl CLI (names, serial, fingerprint, dates, key ids, key
// usage, object names) and node:crypto's X509Certificate (CA, self-signed,
// RSA key size).
import { afterAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import certificates, { DEFAULT_BUNDLES } from "../../../tables/packages/certificates.ts";
import type { Row } from "../../../src/table.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

const BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const dir = mkdtempSync(join(tmpdir(), "osq-certs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pemBlocks = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];

async function run(args: string[], stdin?: string): Promise<string> {
  const p = Bun.spawn([tool("openssl", "openssl"), ...args], { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** openssl's "May  5 09:37:37 2011 GMT", read back as local time as osquery's mktime() does. */
function opensslDate(text: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d+) GMT$/.exec(text.trim());
  if (!m) throw new Error(`date ${text}`);
  const d = new Date(Number(m[6]), MONTHS.indexOf(m[1] as string), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Math.floor(d.getTime() / 1000);
}

const KU: Record<string, string> = { "Certificate Sign": "Key Cert Sign" };

interface OpensslView {
  subject2: string;
  issuer2: string;
  subject: string;
  issuer: string;
  serial: string;
  sha1: string;
  not_valid_before: number;
  not_valid_after: number;
  subject_key_id?: string;
  authority_key_id?: string;
  key_usage?: string[];
  objects: string[];
}

async function opensslView(pem: string): Promise<OpensslView> {
  const [main, compat, asn1] = await Promise.all([
    run(["x509", "-noout", "-nameopt", "oneline", "-subject", "-issuer", "-serial", "-fingerprint", "-sha1", "-dates", "-ext", "subjectKeyIdentifier,authorityKeyIdentifier,keyUsage"], pem),
    run(["x509", "-noout", "-nameopt", "compat", "-subject", "-issuer"], pem),
    run(["asn1parse"], pem),
  ]);
  const lines = main.split("\n");
  const field = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? "";
  const section = (header: string) => {
    const at = lines.findIndex((l) => l.startsWith(header));
    if (at < 0) return undefined;
    const body: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (!l.startsWith("    ")) break;
      body.push(l.trim());
    }
    return body;
  };
  const keyId = (body: string[] | undefined) => {
    const hexLine = body?.map((l) => l.replace(/^keyid:/, "")).find((l) => /^[0-9A-F]{2}(:[0-9A-F]{2})*$/.test(l));
    return hexLine?.replaceAll(":", "").toLowerCase();
  };
  const ku = section("X509v3 Key Usage");
  const compatLines = compat.split("\n");
  return {
    subject2: field("subject="),
    issuer2: field("issuer="),
    subject: compatLines.find((l) => l.startsWith("subject="))?.slice(8) ?? "",
    issuer: compatLines.find((l) => l.startsWith("issuer="))?.slice(7) ?? "",
    // i2a_ASN1_INTEGER pads zero to "00" where osquery's BN_bn2hex gives "0"
    serial: field("serial=") === "00" ? "0" : field("serial="),
    sha1: field("sha1 Fingerprint=").replaceAll(":", "").toLowerCase(),
    not_valid_before: opensslDate(field("notBefore=")),
    not_valid_after: opensslDate(field("notAfter=")),
    subject_key_id: keyId(section("X509v3 Subject Key Identifier")),
    authority_key_id: keyId(section("X509v3 Authority Key Identifier")),
    key_usage: ku?.[0]?.split(", ").map((k) => KU[k] ?? k).sort(),
    objects: asn1.split("\n").filter((l) => l.includes("prim: OBJECT")).map((l) => l.slice(l.lastIndexOf(":") + 1)),
  };
}

/** Compares one row with openssl's and node:crypto's view of the same PEM. */
async function check(row: Row, pem: string) {
  const o = await opensslView(pem);
  const x = new X509Certificate(pem);
  const label = { cn: row.common_name, sha1: row.sha1 };
  expect({ ...label, subject2: row.subject2, issuer2: row.issuer2, serial: row.serial, sha1: row.sha1 }).toEqual({ ...label, subject2: o.subject2, issuer2: o.issuer2, serial: o.serial, sha1: o.sha1 });
  expect({ ...label, subject: row.subject, issuer: row.issuer }).toEqual({ ...label, subject: o.subject, issuer: o.issuer });
  expect({ ...label, nb: row.not_valid_before, na: row.not_valid_after }).toEqual({ ...label, nb: o.not_valid_before, na: o.not_valid_after });
  expect({ ...label, skid: row.subject_key_id, akid: row.authority_key_id }).toEqual({ ...label, skid: o.subject_key_id, akid: o.authority_key_id });
  expect({ ...label, ku: row.key_usage === undefined ? undefined : String(row.key_usage).split(", ").sort() }).toEqual({ ...label, ku: o.key_usage });
  // The last OBJECT is the outer signatureAlgorithm; the key's algorithm (and curve) are among the others.
  expect({ ...label, sig: row.signing_algorithm }).toEqual({ ...label, sig: o.objects[o.objects.length - 1] });
  expect(o.objects).toContain(String(row.key_algorithm));
  if (row.key_algorithm === "id-ecPublicKey") expect(o.objects).toContain(String(row.key_strength));
  const details = x.publicKey.asymmetricKeyDetails;
  if (row.key_algorithm === "rsaEncryption") expect({ ...label, bits: row.key_strength }).toEqual({ ...label, bits: String(Math.ceil((details?.modulusLength ?? 0) / 8) * 8) });
  expect({ ...label, ca: row.ca, self: row.self_signed }).toEqual({ ...label, ca: x.ca ? 1 : 0, self: x.checkIssued(x) ? 1 : 0 });
  const cn = /(?:^|\n)CN=(.*)/.exec(x.subject)?.[1];
  if (cn !== undefined && !/[\\,+"]/.test(cn)) expect({ ...label, cn: row.common_name }).toEqual({ ...label, cn });
}

async function checkAll(rows: Row[], pems: string[]) {
  expect(rows.length).toBe(pems.length);
  for (let i = 0; i < pems.length; i += 12) {
    await Promise.all(pems.slice(i, i + 12).map((pem, k) => check(rows[i + k] as Row, pem)));
  }
}

describe("certificates", () => {
  test("this host's CA bundle: every certificate agrees with openssl and node:crypto", async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: install the Debian package ca-certificates`);
    const pems = pemBlocks(readFileSync(BUNDLE, "utf8"));
    const rows = await generate(certificates);
    expect(rows.every((r) => r.path === BUNDLE)).toBe(true);
    await checkAll(rows, pems);
  }, 60_000);

  test("unusual names, keys and extensions, made with openssl, through the path constraint", async () => {
    const make = async (name: string, args: string[]) => {
      const key = join(dir, `${name}.key`);
      const out = join(dir, `${name}.pem`);
      await run(["req", "-x509", "-nodes", "-days", "30", "-keyout", key, "-out", out, "-utf8", ...args]);
      return readFileSync(out, "utf8");
    };
    const pems = [
      await make("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-subj", "/DC=org/DC=example/CN=Ann+UID=ann/O=Foo, Inc./emailAddress=a@example.org", "-addext", "keyUsage=digitalSignature,keyAgreement", "-addext", "basicConstraints=CA:FALSE"]),
      await make("utf8", ["-newkey", "rsa:1024", "-subj", "/C=DE/O=Müller & Söhne/OU= leading space/CN=#hash \"quoted\" a\\\\b;c", "-addext", "extendedKeyUsage=serverAuth"]),
      await make("ed", ["-newkey", "ed25519", "-subj", "/CN=edward/2.5.4.97=VATDE-123/serialNumber=42", "-addext", "subjectKeyIdentifier=none", "-addext", "authorityKeyIdentifier=none"]),
      await make("p256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", "/CN=slash\\/plus\\+/O=x", "-addext", "keyUsage=cRLSign,keyCertSign,decipherOnly,keyAgreement"]),
    ];
    const bundle = join(dir, "bundle.pem");
    writeFileSync(bundle, `junk before\n${pems.join("")}-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`);
    const rows = await generate(certificates, { path: [["=", bundle]] });
    expect(rows.every((r) => r.path === bundle)).toBe(true);
    expect(rows.map((r) => r.common_name)).toEqual(["Ann", "#hash \"quoted\" a\\b;c", "edward", "slash/plus+"]);
    expect(rows.map((r) => r.key_strength)).toEqual(["secp384r1", "1024", undefined, "prime256v1"]);
    expect(rows[0]?.ca).toBe(0);
    await checkAll(rows, pems);
  }, 60_000);

  test("several named bundles are read in sorted order", async () => {
    const paths: string[] = [];
    for (const name of ["zed", "amy"]) {
      const out = join(dir, `order-${name}.pem`);
      await run(["req", "-x509", "-nodes", "-days", "30", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", join(dir, `order-${name}.key`), "-out", out, "-subj", `/CN=${name}`]);
      paths.push(out);
    }
    const rows = await generate(certificates, { path: paths.map((p): [string, string] => ["=", p]) });
    expect(rows.map((r) => r.common_name)).toEqual(["amy", "zed"]);
    expect(query(`SELECT common_name FROM certificates WHERE path IN ('${paths[0]}', '${paths[1]}')`)).toEqual([{ common_name: "amy" }, { common_name: "zed" }]);
  });

  test("the default bundles are osquery's three, openSUSE's included", () => {
    expect(DEFAULT_BUNDLES).toEqual(["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt", "/var/lib/ca-certificates/ca-bundle.pem"]);
  });

  test("a missing file gives no rows", async () => {
    expect(await generate(certificates, { path: [["=", join(dir, "none.pem")]] })).toEqual([]);
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("sha1 and serial of the bundle equal openssl's fingerprints", async () => {
    const rows = query("SELECT sha1, serial, path FROM certificates");
    const pems = pemBlocks(readFileSync(BUNDLE, "utf8"));
    expect(rows.length).toBe(pems.length);
    const first = await opensslView(pems[0] as string);
    expect(rows[0]).toEqual({ sha1: first.sha1, serial: first.serial, path: BUNDLE });
  });
});
