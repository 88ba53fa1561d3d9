// certificates: the certificates in the system's CA bundles (or in the PEM
// files named by `path = ...`), one row per certificate, with the values
// osquery reads through OpenSSL.
import { readFileSync } from "node:fs";
import { logUnreadable } from "../../src/linux/fs.ts";
import { decodeCertificate, pemCertificates } from "../../src/linux/x509.ts";
import { verbose } from "../../src/logger/glog.ts";
import { certificateInfo } from "../../src/linux/x509_info.ts";
import { defineTable, type Row } from "../../src/table.ts";

/** The bundles osquery reads on Linux when no path is given. */
export const DEFAULT_BUNDLES = ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"];

export default defineTable({
  name: "certificates",
  cacheable: true,
  columns: {
    common_name: "TEXT",
    subject: "TEXT",
    subject2: "TEXT",
    issuer: "TEXT",
    issuer2: "TEXT",
    ca: "INTEGER",
    self_signed: "INTEGER",
    not_valid_before: "DATETIME",
    not_valid_after: "DATETIME",
    signing_algorithm: "TEXT",
    key_algorithm: "TEXT",
    key_strength: "TEXT",
    key_usage: "TEXT",
    subject_key_id: "TEXT collate=nocase",
    authority_key_id: "TEXT collate=nocase",
    sha1: "TEXT collate=nocase",
    path: "TEXT additional optimized",
    serial: "TEXT collate=nocase",
    sid: "TEXT platform",
    store_location: "TEXT platform",
    store: "TEXT platform",
    username: "TEXT platform",
    store_id: "TEXT platform",
  },
  generate(ctx) {
    const given = ctx.equals("path");
    return (given.length > 0 ? given : DEFAULT_BUNDLES).flatMap(certificatesFromBundle);
  },
});

/** Rows for one PEM bundle; an unreadable file gives none, an undecodable certificate is skipped. */
export function certificatesFromBundle(path: string): Row[] {
  let text: string;
  try {
    text = readFileSync(path, "latin1");
  } catch (e) {
    logUnreadable("certificates.ts", path, e);
    return [];
  }
  const rows: Row[] = [];
  for (const der of pemCertificates(text)) {
    const cert = decodeCertificate(der);
    if (cert.ok) rows.push({ ...certificateInfo(cert.value), path });
    else verbose("certificates.ts", `skipping a certificate in ${path} that does not decode: ${cert.error.message}`);
  }
  return rows;
}
