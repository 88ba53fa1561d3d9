// portage_packages: Gentoo packages installed by Portage (/var/db/pkg), with
// slot, build time, repository, EAPI, size and membership of the world set.
import { portagePackages } from "../../src/linux/portage.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "portage_packages",
  columns: {
    package: "TEXT",
    version: "TEXT collate=version",
    slot: "TEXT",
    build_time: "BIGINT",
    repository: "TEXT",
    eapi: "BIGINT",
    size: "BIGINT",
    world: "INTEGER",
  },
  generate() {
    return portagePackages();
  },
});
