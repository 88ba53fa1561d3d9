// portage_use: the USE flags each installed Gentoo package was built with.
import { portageUse } from "../../src/linux/portage.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "portage_use",
  columns: {
    package: "TEXT",
    version: "TEXT collate=version",
    use: "TEXT",
  },
  generate() {
    return portageUse();
  },
});
