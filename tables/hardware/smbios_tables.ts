// smbios_tables: every structure of the SMBIOS (DMI) table, with its md5.
import { defineTable, type Row } from "../../src/table.ts";
import { md5Hex, readSmbiosTable, SMBIOS_TYPE_DESCRIPTIONS, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "smbios_tables",
  columns: {
    number: "INTEGER",
    type: "INTEGER",
    description: "TEXT",
    handle: "INTEGER",
    header_size: "INTEGER",
    size: "INTEGER",
    md5: "TEXT collate=nocase",
  },
  generate() {
    return smbiosTableRows(readSmbiosTable());
  },
});

/** One row per structure; `size` and `md5` cover the formatted area and its strings. */
export function smbiosTableRows(structures: readonly SmbiosStructure[]): Row[] {
  return structures.map((s) => ({
    number: s.index,
    type: s.type,
    description: SMBIOS_TYPE_DESCRIPTIONS.get(s.type) ?? "Unknown",
    handle: s.handle,
    header_size: s.length,
    size: s.raw.length,
    md5: md5Hex(s.raw),
  }));
}
