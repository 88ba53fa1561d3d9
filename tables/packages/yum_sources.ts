// yum_sources: the repositories configured for yum/dnf: every section of
// /etc/yum.conf other than [main], then of each <reposdir>/*.repo file.
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { yumSourcesFrom } from "../../src/linux/yum.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "yum_sources",
  columns: {
    name: "TEXT",
    source: "TEXT",
    baseurl: "TEXT",
    mirrorlist: "TEXT",
    metalink: "TEXT",
    enabled: "TEXT",
    gpgcheck: "TEXT",
    gpgkey: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return namespaceRoots(ctx).flatMap((ns) => stampNamespace(yumSourcesFrom(ns.root), ns));
  },
});
