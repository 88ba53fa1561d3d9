// curl_certificate against local TLS servers whose self-signed certificates
// the test makes with `openssl req`; every column is checked against what
// `openssl x509` prints for the same certificate.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { flags } from "../../../src/flags/flags.ts";
import { pemCertificates } from "../../../src/linux/x509.ts";
import { generate } from "../../helpers.ts";
import { curlRow } from "../../../tables/apps/curl.ts";
import curlCertificate, { certificateFields, certificateRow, splitHostname } from "../../../tables/apps/curl_certificate.ts";
import { engineReady, queryAsync } from "./e2e.ts";

const HAVE_OPENSSL = Bun.spawnSync(["sh", "-c", "command -v openssl"]).exitCode === 0;

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
C = US
O = Osq Complex Org
OU = Unit One
CN = complex.test
[ext]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer:always
keyUsage = critical,digitalSignature,nonRepudiation,keyCertSign,encipherOnly,decipherOnly
extendedKeyUsage = codeSigning,emailProtection,timeStamping,OCSPSigning,1.3.6.1.4.1.99999.7
certificatePolicies = @pol1,2.5.29.32.0
policyMappings = 1.2.3.4:1.2.3.5,1.2.3.6:1.2.3.7
policyConstraints = requireExplicitPolicy:1,inhibitPolicyMapping:2
nameConstraints = permitted;DNS:.example.com,permitted;IP:192.168.0.0/255.255.0.0,excluded;email:.bad.com
issuerAltName = DNS:issuer.example,email:ca@example.com,dirName:dir_sect
subjectAltName = DNS:complex.test,IP:10.0.0.1,IP:2001:db8::1,URI:https://complex.test/,RID:1.2.3.4.5
subjectInfoAccess = caRepository;URI:http://repo.example/
authorityInfoAccess = OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.crt
basicConstraints = critical,CA:TRUE,pathlen:3
[pol1]
policyIdentifier = 1.3.6.1.4.1.99999.1
CPS.1 = "http://cps.example/one"
CPS.2 = "http://cps.example/two"
userNotice.1 = @notice
[notice]
explicitText = "Explicit notice"
organization = "Notice Org"
noticeNumbers = 1,2,3
[dir_sect]
C = US
O = Dir Org
`;

let dir: string;
const certs: { name: string; cert: string; key: string }[] = [];
const servers: tls.Server[] = [];
const ports = new Map<string, number>();

function sh(args: string[]): string {
  const r = Bun.spawnSync(args);
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

beforeAll(async () => {
  // openssl makes the certificates and is the reference reader: without it every test here fails.
  if (!HAVE_OPENSSL) throw new Error("curl_certificate tests need openssl (Debian package openssl)");
  dir = mkdtempSync(join(tmpdir(), "osq-curlcert-"));
  // 1: RSA, extensions from -addext.
  sh([
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
    "-keyout", join(dir, "rsa.key"), "-out", join(dir, "rsa.pem"),
    "-subj", "/CN=localhost/O=Osq Test/OU=QA",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,email:a@b.c",
    "-addext", "keyUsage=digitalSignature,keyEncipherment,cRLSign",
    "-addext", "extendedKeyUsage=serverAuth,clientAuth",
    "-addext", "certificatePolicies=2.23.140.1.2.1",
    "-addext", "authorityInfoAccess=OCSP;URI:http://ocsp.example.com,caIssuers;URI:http://ca.example.com/ca.crt",
  ]);
  certs.push({ name: "rsa", cert: join(dir, "rsa.pem"), key: join(dir, "rsa.key") });
  // 2: EC key, every extension osquery reports, a small serial.
  writeFileSync(join(dir, "complex.cnf"), CONFIG);
  sh([
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-config", join(dir, "complex.cnf"), "-extensions", "ext", "-set_serial", "0x00ff",
    "-days", "3",
    "-keyout", join(dir, "ec.key"), "-out", join(dir, "ec.pem"),
  ]);
  certs.push({ name: "ec", cert: join(dir, "ec.pem"), key: join(dir, "ec.key") });

  for (const c of certs) {
    const server = tls.createServer({ key: readFileSync(c.key), cert: readFileSync(c.cert) }, (s) => {
      s.on("error", () => {});
      s.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    ports.set(c.name, (server.address() as { port: number }).port);
  }
});

afterAll(() => {
  for (const s of servers) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const HEADER_TO_COLUMN: Record<string, string> = {
  "X509v3 Subject Key Identifier": "subject_key_identifier",
  "X509v3 Authority Key Identifier": "authority_key_identifier",
  "X509v3 Key Usage": "key_usage",
  "X509v3 Extended Key Usage": "extended_key_usage",
  "X509v3 Certificate Policies": "policies",
  "X509v3 Subject Alternative Name": "subject_alternative_names",
  "X509v3 Issuer Alternative Name": "issuer_alternative_names",
  "Authority Information Access": "info_access",
  "Subject Information Access": "subject_info_access",
  "X509v3 Policy Mappings": "policy_mappings",
  "X509v3 Basic Constraints": "basic_constraint",
  "X509v3 Name Constraints": "name_constraints",
  "X509v3 Policy Constraints": "policy_constraints",
};

/**
 * Each extension's column value derived from `openssl x509 -text`: the block
 * under its header with the 16-space indent removed, one trailing newline
 * dropped and the other newlines turned into ';' (what osquery stores).
 */
function extensionsFromText(text: string): Record<string, string> {
  const lines = text.split("\n");
  const out: Record<string, string> = {};
  let current: string | undefined;
  let block: string[] = [];
  const flush = () => {
    if (current) {
      let v = block.map((l) => l.replace(/^ {16}/, "")).join("\n");
      if (v.endsWith("\n")) v = v.slice(0, -1);
      out[current] = v.replaceAll("\n", ";");
    }
    current = undefined;
    block = [];
  };
  let inExt = false;
  for (const line of lines) {
    if (line.startsWith("        X509v3 extensions:")) {
      inExt = true;
      continue;
    }
    if (!inExt) continue;
    if (/^ {12}\S/.test(line)) {
      flush();
      const header = line.trim().replace(/: (critical)?$/, "").replace(/:$/, "");
      current = HEADER_TO_COLUMN[header] ?? `unknown:${header}`;
      continue;
    }
    if (/^ {0,11}\S/.test(line)) {
      flush();
      inExt = false;
      continue;
    }
    block.push(line);
  }
  flush();
  return out;
}

function opensslField(pem: string, arg: string): string {
  return sh(["openssl", "x509", "-in", pem, "-noout", arg]).trim();
}

describe("curl_certificate", () => {
  test("hostname parsing", () => {
    expect(splitHostname("example.com")).toEqual({ host: "example.com", port: 443 });
    expect(splitHostname("example.com:")).toEqual({ host: "example.com", port: 443 });
    expect(splitHostname("example.com:8443")).toEqual({ host: "example.com", port: 8443 });
  });

  for (const name of ["rsa", "ec"]) {
    test(`${name}: every column matches openssl x509`, async () => {
      const c = certs.find((x) => x.name === name)!;
      const row = (await certificateRow(`127.0.0.1:${ports.get(name)}`, 1, 4))!;
      expect(row).not.toBeNull();
      expect(row.hostname).toBe(`127.0.0.1:${ports.get(name)}`);
      expect(row.pem).toBe(readFileSync(c.cert, "utf8"));
      expect(row.dump_certificate).toBe(1);
      expect(row.timeout).toBe(4);

      expect(row.serial_number).toBe(opensslField(c.cert, "-serial").replace("serial=", ""));
      expect(row.sha256_fingerprint).toBe(sh(["sh", "-c", `openssl x509 -in '${c.cert}' -noout -fingerprint -sha256`]).trim().split("=")[1]!.replaceAll(":", "").toLowerCase());
      expect(row.sha1_fingerprint).toBe(sh(["sh", "-c", `openssl x509 -in '${c.cert}' -noout -fingerprint -sha1`]).trim().split("=")[1]!.replaceAll(":", "").toLowerCase());
      expect(row.valid_from).toBe(opensslField(c.cert, "-startdate").replace("notBefore=", ""));
      expect(row.valid_to).toBe(opensslField(c.cert, "-enddate").replace("notAfter=", ""));
      const expired = Bun.spawnSync(["openssl", "x509", "-in", c.cert, "-noout", "-checkend", "0"]).exitCode !== 0;
      expect(row.has_expired).toBe(expired ? 1 : 0);

      const subject = Object.fromEntries(opensslField(c.cert, "-subject").replace("subject=", "").split(", ").map((kv) => kv.split(" = ")));
      const issuer = Object.fromEntries(opensslField(c.cert, "-issuer").replace("issuer=", "").split(", ").map((kv) => kv.split(" = ")));
      expect([row.common_name, row.organization, row.organization_unit]).toEqual([subject.CN, subject.O, subject.OU]);
      expect([row.issuer_common_name, row.issuer_organization, row.issuer_organization_unit]).toEqual([issuer.CN, issuer.O, issuer.OU]);

      const text = sh(["openssl", "x509", "-in", c.cert, "-noout", "-text"]);
      expect(row.version).toBe(Number(/Version: (\d+)/.exec(text)![1]));
      const sigBlock = text.split("Signature Value:\n")[1]!.split("\n").filter((l) => /^ {8}[0-9a-f]/.test(l)).map((l) => l.trim()).join("");
      expect(row.signature).toBe(sigBlock.replace(/:$/, ""));

      const expected = extensionsFromText(text);
      expect(Object.keys(expected).filter((k) => k.startsWith("unknown:"))).toEqual([]);
      for (const column of Object.values(HEADER_TO_COLUMN)) {
        expect(`${column}=${row[column]}`).toBe(`${column}=${expected[column] ?? ""}`);
      }
    });
  }

  test("signature algorithm short names", async () => {
    const rsa = certificateFields(pemCertificates(readFileSync(certs[0]!.cert, "utf8"))[0]!);
    const ec = certificateFields(pemCertificates(readFileSync(certs[1]!.cert, "utf8"))[0]!);
    expect(rsa.signature_algorithm).toBe("RSA-SHA256");
    expect(ec.signature_algorithm).toBe("ecdsa-with-SHA256");
    expect(ec.serial_number).toBe("FF");
    expect(ec.has_expired).toBe(0);
    // has_expired compares notAfter with the current time (4 days on, the 3-day cert has expired).
    const later = certificateFields(pemCertificates(readFileSync(certs[1]!.cert, "utf8"))[0]!, new Date(Date.now() + 4 * 86400_000));
    expect(later.has_expired).toBe(1);
  });

  // Directory names inside extensions are rendered by the same name code as the
  // certificates table (X509_NAME_oneline for alt names, X509_NAME_print_ex for
  // name constraints): attributes outside the common few, '/' and ',' in values.
  test("directory names in alt names and name constraints match openssl x509", () => {
    const cnf = join(dir, "dirname.cnf");
    writeFileSync(
      cnf,
      [
        "[req]", "distinguished_name = dn", "prompt = no",
        "[dn]", "CN = dirname.test",
        "[ext]",
        "subjectAltName = dirName:alt_dir",
        "nameConstraints = permitted;dirName:nc_dir",
        "[alt_dir]", "C = US", "O = Slash/Org", "description = Described", "businessCategory = Cat+1",
        "[nc_dir]", "O = Comma, Org", "description = Plain",
        "",
      ].join("\n"),
    );
    const pem = join(dir, "dirname.pem");
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-config", cnf, "-extensions", "ext", "-days", "3", "-keyout", join(dir, "dirname.key"), "-out", pem]);
    const row = certificateFields(pemCertificates(readFileSync(pem, "utf8"))[0]!);
    const expected = extensionsFromText(sh(["openssl", "x509", "-in", pem, "-noout", "-text"]));
    expect(row.subject_alternative_names).toBe(expected.subject_alternative_names!);
    expect(row.name_constraints).toBe(expected.name_constraints!);
    expect(String(row.subject_alternative_names)).toContain("description=Described");
  });

  test("generator: defaults, name resolution, pem only on request, unreachable hosts give no row", async () => {
    const port = ports.get("rsa")!;
    const rows = await generate(curlCertificate, { hostname: [["=", `localhost:${port}`], ["=", "127.0.0.1:1"]] });
    expect(rows.length).toBe(1);
    expect(rows[0]!.hostname).toBe(`localhost:${port}`);
    expect(rows[0]!.common_name).toBe("localhost");
    expect(rows[0]!.timeout).toBe(4);
    expect(rows[0]!.dump_certificate).toBe(0);
    expect(rows[0]!.pem).toBeUndefined();
    const dumped = await generate(curlCertificate, { hostname: [["=", `localhost:${port}`]], dump_certificate: [["=", "1"]], timeout: [["=", "2"]] });
    expect(dumped[0]!.pem).toContain("-----BEGIN CERTIFICATE-----");
    expect(dumped[0]!.timeout).toBe(2);
  });

  test("curl over https trusts --tls_server_certs", async () => {
    const url = `https://localhost:${ports.get("rsa")}/`;
    expect((await curlRow(url, "osquery", 4000)).response_code).toBeUndefined();
    const before = flags.get("tls_server_certs");
    flags.set("tls_server_certs", certs[0]!.cert, "cli");
    try {
      const row = await curlRow(url, "osquery", 4000);
      expect(row.response_code).toBe(200);
      expect(row.result).toBe("ok");
    } finally {
      flags.force("tls_server_certs", before);
    }
  });
});

describe("curl_certificate e2e", () => {
  test("select from curl_certificate where hostname = ...", async () => {
    if (!engineReady()) throw new Error("dist/osqueryi cannot run `select 1`: build it with `npm run build`");
    const c = certs[0]!;
    const rows = await queryAsync(`select common_name, serial_number, sha256_fingerprint, has_expired from curl_certificate where hostname = '127.0.0.1:${ports.get("rsa")}'`);
    const fp = sh(["sh", "-c", `openssl x509 -in '${c.cert}' -noout -fingerprint -sha256`]).trim().split("=")[1]!.replaceAll(":", "").toLowerCase();
    expect(rows).toEqual([
      { common_name: "localhost", serial_number: opensslField(c.cert, "-serial").replace("serial=", ""), sha256_fingerprint: fp, has_expired: "0" },
    ]);
  });
});
