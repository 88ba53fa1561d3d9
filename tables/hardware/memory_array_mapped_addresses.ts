// memory_array_mapped_addresses: SMBIOS type 19 address ranges of memory arrays.
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dwordAt, hex, qwordAt, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "memory_array_mapped_addresses",
  columns: {
    handle: "TEXT",
    memory_array_handle: "TEXT",
    starting_address: "TEXT",
    ending_address: "TEXT",
    partition_width: "INTEGER",
  },
  generate() {
    return memoryArrayMappedAddressRows(readSmbiosTable());
  },
});

export function memoryArrayMappedAddressRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    if (s.type !== SMBIOS_TYPE.MEMORY_ARRAY_MAPPED_ADDRESS || s.raw.length < 0x17 + 8) continue;
    const start = dwordAt(s, 0x04);
    // 0xFFFFFFFF defers to the 64-bit extended addresses at 0x0F/0x17.
    const extended = start === 0xffffffff;
    rows.push({
      handle: hex(wordAt(s, 0x02)),
      memory_array_handle: hex(wordAt(s, 0x0c)),
      starting_address: extended ? hex(qwordAt(s, 0x0f), 12) : hex(start, 8),
      ending_address: extended ? hex(qwordAt(s, 0x17), 12) : hex(dwordAt(s, 0x08), 8),
      partition_width: byteAt(s, 0x0e),
    });
  }
  return rows;
}
