// oem_strings: the free-form strings of SMBIOS type 11 structures.
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dmiString, hex, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "oem_strings",
  columns: {
    handle: "TEXT",
    number: "INTEGER",
    value: "TEXT",
  },
  generate() {
    return oemStringRows(readSmbiosTable());
  },
});

/** One row per declared string (the count byte at 0x04), numbered from 1. */
export function oemStringRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    if (s.type !== SMBIOS_TYPE.OEM_STRINGS || s.raw.length < 0x05) continue;
    const handle = hex(wordAt(s, 0x02));
    const count = byteAt(s, 0x04);
    for (let i = 1; i <= count; i++) rows.push({ handle, number: i, value: dmiString(s, i) });
  }
  return rows;
}
