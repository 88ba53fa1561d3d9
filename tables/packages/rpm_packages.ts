// rpm_packages: the installed rpm packages, one row per header in the rpm
// database, with the values librpm's headerGet returns for each tag.
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { RpmTag, type RpmHeader } from "../../src/linux/rpmheader.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { findRpmDb, readRpmHeaders, type RpmDb } from "../../src/linux/rpmdb.ts";

export default defineTable({
  name: "rpm_packages",
  cacheable: true,
  columns: {
    name: "TEXT index optimized",
    version: "TEXT index collate=version_rhel",
    release: "TEXT index",
    source: "TEXT",
    size: "BIGINT",
    sha1: "TEXT collate=nocase",
    arch: "TEXT index",
    epoch: "INTEGER index",
    install_time: "INTEGER",
    vendor: "TEXT",
    package_group: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
  },
  generate(ctx) {
    return namespaceRoots(ctx).flatMap((ns) => {
      const db = findRpmDb(ns.root);
      return db === null ? [] : stampNamespace(rpmPackagesFrom(db, ctx.equals("name")), ns);
    });
  },
});

function num(h: RpmHeader, tag: number): number | undefined {
  return h.number(tag);
}

/** One row per package in the rpm database `db`; `names` limits it to those packages. */
export function rpmPackagesFrom(db: RpmDb, names: readonly string[] = []): Row[] {
  const rows: Row[] = [];
  for (const h of readRpmHeaders(db)) {
    const name = h.string(RpmTag.NAME) ?? "";
    if (names.length > 0 && !names.includes(name)) continue;
    rows.push({
      name,
      version: h.string(RpmTag.VERSION) ?? "",
      release: h.string(RpmTag.RELEASE) ?? "",
      source: h.string(RpmTag.SOURCERPM) ?? "",
      // Packages over 4 GiB carry LONGSIZE instead of SIZE.
      size: num(h, RpmTag.SIZE) ?? num(h, RpmTag.LONGSIZE),
      sha1: h.string(RpmTag.SHA1HEADER) ?? "",
      arch: h.string(RpmTag.ARCH) ?? "",
      epoch: num(h, RpmTag.EPOCH),
      install_time: num(h, RpmTag.INSTALLTIME),
      vendor: h.string(RpmTag.VENDOR) ?? "",
      package_group: h.string(RpmTag.GROUP) ?? "",
      pid_with_namespace: 0,
    });
  }
  return rows;
}
