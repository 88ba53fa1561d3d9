// rpm_package_files: every file of every installed rpm package, as librpm's
// file iterator lists it (directory + basename), with owner, mode, size and
// the SHA-256 digest when the package records SHA-256 digests.
import { PGPHASHALGO_SHA256, RpmTag, rpmFiles } from "../../src/linux/rpmheader.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { findRpmDb, readRpmHeaders, type RpmDb } from "../../src/linux/rpmdb.ts";
import { lsperms } from "../../src/linux/fs.ts";
export { lsperms };

/** osquery skips packages listing more files than this. */
const MAX_RPM_FILES = 64 * 1024;

export default defineTable({
  name: "rpm_package_files",
  columns: {
    package: "TEXT index optimized",
    path: "TEXT index",
    username: "TEXT",
    groupname: "TEXT",
    mode: "TEXT",
    size: "BIGINT",
    sha256: "TEXT collate=nocase",
  },
  generate(ctx) {
    const db = findRpmDb();
    return db === null ? [] : rpmPackageFilesFrom(db, ctx.equals("package"));
  },
});


export function rpmPackageFilesFrom(db: RpmDb, packages: readonly string[] = []): Row[] {
  const rows: Row[] = [];
  for (const h of readRpmHeaders(db)) {
    const name = h.string(RpmTag.NAME) ?? "";
    if (packages.length > 0 && !packages.includes(name)) continue;
    const files = rpmFiles(h);
    if (files.length === 0 || files.length > MAX_RPM_FILES) continue;
    for (const f of files) {
      rows.push({
        package: name,
        path: f.path,
        username: f.username,
        groupname: f.groupname,
        mode: lsperms(f.mode),
        size: f.size,
        sha256: f.digestAlgo === PGPHASHALGO_SHA256 ? f.digest : undefined,
      });
    }
  }
  return rows;
}
