// deb_package_files: the paths each installed package owns, from
// <admindir>/info/<package>.list (dpkg -L reads the same lists).
//
// As osquery (tables/system/linux/deb_packages.cpp): admindirs and package
// names are taken as sorted sets; an admindir that does not exist is skipped;
// a package named by the query is looked up by its list file alone, installed
// or not (so `package = 'libc6:amd64'` reads info/libc6:amd64.list). osquery
// tries only <name>.list, which misses every Multi-Arch: same package (their
// lists are <name>:<arch>.list); osq deliberately also tries those.
import { compareBytes } from "../../src/linux/glob.ts";
import { readDpkgDatabase, readDpkgList } from "../../src/linux/dpkg.ts";
import { isDirectory } from "../../src/linux/fs.ts";
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
  const named = [...packages].sort(compareBytes);
  for (const admindir of [...admindirs].sort(compareBytes)) {
    if (!isDirectory(admindir)) continue;
    const installed = readDpkgDatabase(admindir);
    const lists: [string, string[] | null][] = [];
    if (named.length === 0) {
      for (const p of installed) lists.push([p.name, readDpkgList(admindir, p.name, p.arch)]);
    } else {
      for (const name of named) {
        const archs = installed.filter((p) => p.name === name).map((p) => p.arch);
        if (archs.length === 0) lists.push([name, readDpkgList(admindir, name, null)]);
        for (const arch of archs) lists.push([name, readDpkgList(admindir, name, arch)]);
      }
    }
    for (const [name, paths] of lists) {
      for (const path of paths ?? []) rows.push({ package: name, path, admindir });
    }
  }
  return rows;
}
