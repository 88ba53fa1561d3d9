// curl_certificate: connects with TLS to each hostname[:port] the query names
// (port 443 by default), without verifying the peer, and reports the leaf
// certificate the server presents, formatted as OpenSSL prints it.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import tls from "node:tls";
import { fingerprint, OID, parseCertificate, printTime, serialHex, toPem } from "../../src/linux/x509.ts";
import { nameField } from "../../src/linux/x509_name.ts";
import { extensionColumn, signatureAlgorithmName, signatureHex } from "../../src/linux/x509_print.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "curl_certificate",
  columns: {
    hostname: "TEXT required optimized",
    common_name: "TEXT",
    organization: "TEXT",
    organization_unit: "TEXT",
    serial_number: "TEXT collate=nocase",
    issuer_common_name: "TEXT",
    issuer_organization: "TEXT",
    issuer_organization_unit: "TEXT",
    valid_from: "TEXT",
    valid_to: "TEXT",
    sha256_fingerprint: "TEXT collate=nocase",
    sha1_fingerprint: "TEXT collate=nocase",
    version: "INTEGER",
    signature_algorithm: "TEXT",
    signature: "TEXT",
    subject_key_identifier: "TEXT collate=nocase",
    authority_key_identifier: "TEXT collate=nocase",
    key_usage: "TEXT",
    extended_key_usage: "TEXT",
    policies: "TEXT",
    subject_alternative_names: "TEXT",
    issuer_alternative_names: "TEXT",
    info_access: "TEXT",
    subject_info_access: "TEXT",
    policy_mappings: "TEXT",
    has_expired: "INTEGER",
    basic_constraint: "TEXT",
    name_constraints: "TEXT",
    policy_constraints: "TEXT",
    dump_certificate: "INTEGER hidden additional",
    timeout: "INTEGER hidden additional",
    pem: "TEXT",
  },
  async generate(ctx) {
    const dump = ctx.equals("dump_certificate").some((v) => Number.parseInt(v, 10) === 1) ? 1 : 0;
    let timeout = DEFAULT_TIMEOUT;
    const t = ctx.equals("timeout")[0];
    if (t !== undefined) {
      const n = Number.parseInt(t, 10);
      timeout = Number.isNaN(n) || n < 0 ? DEFAULT_TIMEOUT : n;
    }
    const rows = await Promise.all(ctx.equals("hostname").map((h) => certificateRow(h, dump, timeout)));
    return rows.filter((r): r is Row => r !== null);
  },
});

/** osquery's default read timeout, in seconds. */
export const DEFAULT_TIMEOUT = 4;

/** "host", "host:" and "host:port" as osquery splits them (at the first colon). */
export function splitHostname(hostname: string): { host: string; port: number } {
  const i = hostname.indexOf(":");
  if (i < 0) return { host: hostname, port: 443 };
  const port = hostname.slice(i + 1);
  return { host: hostname.slice(0, i), port: port === "" ? 443 : Number.parseInt(port, 10) };
}

/** The peer's leaf certificate (DER), or null when no TLS session could be set up. */
export async function fetchPeerCertificate(host: string, port: number, timeoutSec: number): Promise<Uint8Array | null> {
  let address: string;
  try {
    // Prefer an IPv4 address, as osquery does.
    const all = await lookup(host, { all: true });
    address = (all.find((a) => a.family === 4) ?? all[0])?.address ?? host;
  } catch (e) {
    verbose("curl_certificate.ts", `cannot resolve ${host}: ${(e as Error).message}`);
    return null;
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return new Promise((resolve) => {
    let done = false;
    const finish = (der: Uint8Array | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(der);
    };
    const socket = tls.connect({
      host: address,
      port,
      // SNI carries the name asked for; TLS forbids IP literals there.
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    });
    const timer = timeoutSec > 0 ? setTimeout(() => finish(null), timeoutSec * 1000) : undefined;
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate(true)?.raw;
      finish(raw && raw.length > 0 ? new Uint8Array(raw) : null);
    });
    socket.once("error", () => finish(null));
    socket.once("close", () => finish(null));
  });
}

/** The row osquery builds from one certificate. */
export function certificateFields(der: Uint8Array, now: Date = new Date()): Row {
  const cert = parseCertificate(der);
  const notBefore = printTime(cert.notBefore);
  const notAfter = printTime(cert.notAfter);
  return {
    common_name: nameField(cert.subject, OID.commonName),
    organization: nameField(cert.subject, OID.organization),
    organization_unit: nameField(cert.subject, OID.organizationalUnit),
    serial_number: serialHex(cert.serial),
    issuer_common_name: nameField(cert.issuer, OID.commonName),
    issuer_organization: nameField(cert.issuer, OID.organization),
    issuer_organization_unit: nameField(cert.issuer, OID.organizationalUnit),
    valid_from: notBefore.text,
    valid_to: notAfter.text,
    sha256_fingerprint: fingerprint(der, "sha256"),
    sha1_fingerprint: fingerprint(der, "sha1"),
    version: cert.version + 1,
    signature_algorithm: signatureAlgorithmName(cert.signatureOid),
    signature: signatureHex(cert),
    subject_key_identifier: extensionColumn(cert, OID.subjectKeyIdentifier),
    authority_key_identifier: extensionColumn(cert, OID.authorityKeyIdentifier),
    key_usage: extensionColumn(cert, OID.keyUsage),
    extended_key_usage: extensionColumn(cert, OID.extKeyUsage),
    policies: extensionColumn(cert, OID.certificatePolicies),
    subject_alternative_names: extensionColumn(cert, OID.subjectAltName),
    issuer_alternative_names: extensionColumn(cert, OID.issuerAltName),
    info_access: extensionColumn(cert, OID.authorityInfoAccess),
    subject_info_access: extensionColumn(cert, OID.subjectInfoAccess),
    policy_mappings: extensionColumn(cert, OID.policyMappings),
    has_expired: notAfter.date.getTime() <= now.getTime() ? 1 : 0,
    basic_constraint: extensionColumn(cert, OID.basicConstraints),
    name_constraints: extensionColumn(cert, OID.nameConstraints),
    policy_constraints: extensionColumn(cert, OID.policyConstraints),
  };
}

/** Connects to one hostname[:port] and returns its row, or null when no certificate was obtained. */
export async function certificateRow(hostname: string, dump = 0, timeout = DEFAULT_TIMEOUT): Promise<Row | null> {
  const { host, port } = splitHostname(hostname);
  const der = await fetchPeerCertificate(host, port, timeout);
  if (!der) return null;
  let fields: Row;
  try {
    fields = certificateFields(der);
  } catch (e) {
    verbose("curl_certificate.ts", `${hostname} sent a certificate that does not decode: ${(e as Error).message}`);
    return null;
  }
  return {
    hostname,
    ...fields,
    timeout,
    dump_certificate: dump,
    ...(dump ? { pem: toPem(der) } : {}),
  };
}
