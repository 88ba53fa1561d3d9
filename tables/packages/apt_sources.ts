// apt_sources: the repositories configured for APT, one row per (URI, suite)
// whose Release file apt has downloaded, with that file's Codename, Version,
// Origin, Components and Architectures. Reads one-line sources
// (sources.list, sources.list.d/*.list) and deb822 files (*.sources).
import { aptSourcesFrom } from "../../src/linux/apt.ts";
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "apt_sources",
  columns: {
    name: "TEXT",
    source: "TEXT",
    base_uri: "TEXT",
    release: "TEXT",
    version: "TEXT collate=version_dpkg",
    maintainer: "TEXT",
    components: "TEXT",
    architectures: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return namespaceRoots(ctx).flatMap((ns) => stampNamespace(aptSourcesFrom(ns.root), ns));
  },
});
