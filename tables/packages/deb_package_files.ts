// deb_package_files: the paths each installed package owns, from
// <admindir>/info/<package>.list (dpkg -L reads the same lists).
import { readDpkgDatabase, readDpkgList } from "../../src/linux/dpkg.ts";
import { defineTable, type Row } from "../../src/table.ts";

const DEFAULT_ADMINDIR = "/var/lib/dpkg";

export default defineTable({
  name: "deb_package_files",
  columns: {
    package: "TEXT index optimized",
    path: "TEXT index",
    admindir: "TEXT additional optimized",
  },
  generate(ctx) {
    const given = ctx.equals("admindir");
    return debPackageFilesFrom(given.length > 0 ? given : [DEFAULT_ADMINDIR], ctx.equals("package"));
  },
});

export function debPackageFilesFrom(admindirs: readonly string[], packages: readonly string[]): Row[] {
  const rows: Row[] = [];
  for (const admindir of admindirs) {
    for (const p of readDpkgDatabase(admindir)) {
      if (packages.length > 0 && !packages.includes(p.name)) continue;
      for (const path of readDpkgList(admindir, p.name, p.arch) ?? []) rows.push({ package: p.name, path, admindir });
    }
  }
  return rows;
}
