// deb_packages: the packages dpkg knows as installed (any state but
// not-installed) in an admin directory, /var/lib/dpkg unless the query names
// others with `admindir = ...` (taken, as osquery does, as a sorted set).
import { join } from "node:path";
import { compareBytes } from "../../src/linux/glob.ts";
import { readDpkgDatabase } from "../../src/linux/dpkg.ts";
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { defineTable, type Row } from "../../src/table.ts";

const DEFAULT_ADMINDIR = "/var/lib/dpkg";

export default defineTable({
  name: "deb_packages",
  cacheable: true,
  columns: {
    name: "TEXT",
    version: "TEXT collate=version_dpkg",
    source: "TEXT",
    size: "BIGINT",
    arch: "TEXT",
    revision: "TEXT",
    status: "TEXT",
    maintainer: "TEXT",
    section: "TEXT",
    priority: "TEXT",
    admindir: "TEXT additional optimized",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
  },
  generate(ctx) {
    const given = ctx.equals("admindir").sort(compareBytes);
    const admindirs = given.length > 0 ? given : [DEFAULT_ADMINDIR];
    return namespaceRoots(ctx).flatMap((ns) => stampNamespace(debPackagesFrom(admindirs, ns.root), ns));
  },
});

/** Rows for the admindirs given (paths as the caller names them, read under `root`). */
export function debPackagesFrom(admindirs: readonly string[], root = ""): Row[] {
  const rows: Row[] = [];
  for (const admindir of admindirs) {
    for (const p of readDpkgDatabase(root ? join(root, admindir) : admindir)) {
      rows.push({
        name: p.name,
        version: p.version,
        source: p.source,
        size: p.size,
        arch: p.arch,
        revision: p.revision,
        status: p.status,
        maintainer: p.maintainer,
        section: p.section,
        priority: p.priority,
        admindir,
        pid_with_namespace: 0,
      });
    }
  }
  return rows;
}
