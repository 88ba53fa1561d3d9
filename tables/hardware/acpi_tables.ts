// acpi_tables: the firmware's ACPI tables as the kernel exposes them under
// /sys/firmware/acpi/tables (readable by root only), with their size and MD5.
//
// osquery lists the regular files directly in that folder (its
// listFilesInDirectory skips directories, so the data/ and dynamic/
// sub-folders never contribute). A table it cannot read gets size -1 and no
// md5.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { boostFilename, GLOB_FILES, resolveFilePattern } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "acpi_tables",
  columns: {
    name: "TEXT",
    size: "INTEGER",
    md5: "TEXT collate=nocase",
  },
  generate: () => acpiTableRows(ACPI_TABLES_DIR),
});

export const ACPI_TABLES_DIR = "/sys/firmware/acpi/tables";

/** One row per file directly inside `dir`, in glob (byte) order. */
export function acpiTableRows(dir: string): Row[] {
  const rows: Row[] = [];
  for (const path of resolveFilePattern(`${dir}/*`, GLOB_FILES)) {
    const row: Row = { name: boostFilename(path) };
    try {
      const content = readFileSync(path);
      row.size = content.length;
      row.md5 = createHash("md5").update(content).digest("hex");
    } catch (e) {
      logUnreadable("acpi_tables.ts", path, e);
      row.size = -1;
    }
    rows.push(row);
  }
  return rows;
}
