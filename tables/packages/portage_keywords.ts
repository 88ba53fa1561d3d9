// portage_keywords: Gentoo's per-package keywords and masks, from
// /etc/portage/package.keywords, package.mask and package.unmask.
import { portageKeywords } from "../../src/linux/portage.ts";
import { defineTable } from "../../src/table.ts";

export default defineTable({
  name: "portage_keywords",
  columns: {
    package: "TEXT",
    version: "TEXT collate=version",
    keyword: "TEXT",
    mask: "INTEGER",
    unmask: "INTEGER",
  },
  generate() {
    return portageKeywords();
  },
});
