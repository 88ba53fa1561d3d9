// certificates: the certificates in the system's CA bundles (or in the PEM
// files named by `path = ...`), one row per certificate, with the values
// osquery reads through OpenSSL. Paths named by the query are read in sorted
// order, as osquery's constraint set gives them.
//
// osquery (tables/system/linux/certificates.cpp) reads a bundle with
// PEM_X509_INFO_read_bio, which gives up on the whole file at the first block
// it cannot decode. osq's decoder is not OpenSSL's, so it deliberately skips
// only the blocks it cannot decode rather than risk losing a whole bundle
// over a certificate OpenSSL would have read.
import { readFileSync } from "node:fs";
import { compareBytes } from "../../src/linux/glob.ts";
import { logUnreadable } from "../../src/linux/fs.ts";
import { decodeCertificate, pemCertificates } from "../../src/linux/x509.ts";
import { verbose } from "../../src/logger/glog.ts";
import { certificateInfo } from "../../src/linux/x509_info.ts";
import { defineTable, type Row } from "../../src/table.ts";

/** The bundles osquery reads on Linux when no path is given. */
export const DEFAULT_BUNDLES = [
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/certs/ca-certificates.crt",
  "/var/lib/ca-certificates/ca-bundle.pem",
];

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
    const given = ctx.equals("path").sort(compareBytes);
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
