// deb_package_files: the paths each installed package owns, from
// <admindir>/info/<package>.list (dpkg -L reads the same lists).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readDpkgDatabase } from "../../src/linux/dpkg.ts";
import { defineTable, type Row } from "../../src/table.ts";

const DEFAULT_ADMINDIR = "/var/lib/dpkg";

/** The paths listed in a .list file, one per line, blank lines skipped. */
export function parseDpkgList(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

function readList(infoDir: string, name: string, arch: string): string | null {
  // Multi-Arch: same packages keep their list as <name>:<arch>.list; others as <name>.list.
  for (const file of [`${name}:${arch}.list`, `${name}.list`]) {
    try {
      return readFileSync(join(infoDir, file), "utf8");
    } catch {
      // try the other name
    }
  }
  return null;
}

export function debPackageFilesFrom(admindirs: readonly string[], packages: readonly string[]): Row[] {
  const rows: Row[] = [];
  for (const admindir of admindirs) {
    for (const p of readDpkgDatabase(admindir)) {
      if (packages.length > 0 && !packages.includes(p.name)) continue;
      const text = readList(join(admindir, "info"), p.name, p.arch);
      if (text === null) continue;
      for (const path of parseDpkgList(text)) rows.push({ package: p.name, path, admindir });
    }
  }
  return rows;
}

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
