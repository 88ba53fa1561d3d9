// secureboot_certificates: the X.509 certificates in the UEFI Secure Boot
// signature databases, read from efivarfs: db (allowed signers) and dbx
// (revoked, revoked = 1). Hash entries are not certificates and are skipped,
// as are entries that do not decode. The certificate columns are the ones
// osquery's certificates table derives through OpenSSL (subject and issuer in
// X509_NAME_oneline form, times as Unix seconds, hex key identifiers). Non-UEFI
// hosts have no efivars and so no rows.
import { readFileSync } from "node:fs";
import { x509SignatureEntries } from "../../src/linux/efi_signature_list.ts";
import { GLOB_FILES, resolveFilePattern } from "../../src/linux/glob.ts";
import { logUnreadable } from "../../src/linux/fs.ts";
import { decodeCertificate } from "../../src/linux/x509.ts";
import { verbose } from "../../src/logger/glog.ts";
import { certificateInfo } from "../../src/linux/x509_info.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "secureboot_certificates",
  columns: {
    common_name: "TEXT",
    subject: "TEXT",
    issuer: "TEXT",
    not_valid_before: "DATETIME",
    not_valid_after: "DATETIME",
    sha1: "TEXT collate=nocase",
    serial: "TEXT collate=nocase",
    revoked: "INTEGER",
    path: "TEXT",
    is_ca: "INTEGER",
    self_signed: "INTEGER",
    key_usage: "TEXT",
    authority_key_id: "TEXT collate=nocase",
    subject_key_id: "TEXT collate=nocase",
    signing_algorithm: "TEXT",
    key_algorithm: "TEXT",
    key_strength: "TEXT",
  },
  generate: () => secureBootCertificateRows(EFIVARS_DIR),
});

export const EFIVARS_DIR = "/sys/firmware/efi/efivars";

/** The variables osquery reads (any vendor GUID), and whether their certificates are revoked ones. */
const STORES = [
  { prefix: "db-", revoked: 0 },
  { prefix: "dbx-", revoked: 1 },
] as const;

export function secureBootCertificateRows(efivarsDir: string): Row[] {
  const rows: Row[] = [];
  for (const store of STORES) {
    for (const path of resolveFilePattern(`${efivarsDir}/${store.prefix}*`, GLOB_FILES)) {
      let content: Uint8Array;
      try {
        content = readFileSync(path);
      } catch (e) {
        logUnreadable("secureboot_certificates.ts", path, e);
        continue;
      }
      for (const item of certificateRows(content, path, store.revoked)) rows.push(item);
    }
  }
  return rows;
}

/** Rows for the certificates of one variable's content (attributes + signature lists). */
export function certificateRows(content: Uint8Array, path: string, revoked: number): Row[] {
  const rows: Row[] = [];
  for (const entry of x509SignatureEntries(content)) {
    const cert = decodeCertificate(entry.data);
    if (!cert.ok) {
      verbose("secureboot_certificates.ts", `skipping the entry at offset ${entry.offset} of ${path}, not a certificate OpenSSL would decode: ${cert.error.message}`);
      continue;
    }
    const info = certificateInfo(cert.value);
    // osquery fills every column, with "" or 0 where OpenSSL gave nothing.
    rows.push({
      common_name: info.common_name ?? "",
      subject: info.subject,
      issuer: info.issuer,
      not_valid_before: info.not_valid_before ?? 0,
      not_valid_after: info.not_valid_after ?? 0,
      sha1: info.sha1,
      serial: info.serial,
      revoked,
      path,
      is_ca: info.ca,
      self_signed: info.self_signed,
      key_usage: info.key_usage ?? "",
      authority_key_id: info.authority_key_id ?? "",
      subject_key_id: info.subject_key_id ?? "",
      signing_algorithm: info.signing_algorithm ?? "",
      key_algorithm: info.key_algorithm ?? "",
      key_strength: info.key_strength ?? "",
    });
  }
  return rows;
}
