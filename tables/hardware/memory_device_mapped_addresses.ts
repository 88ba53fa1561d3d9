// memory_device_mapped_addresses: SMBIOS type 20 address ranges of memory devices.
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dwordAt, hex, qwordAt, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "memory_device_mapped_addresses",
  columns: {
    handle: "TEXT",
    memory_device_handle: "TEXT",
    memory_array_mapped_address_handle: "TEXT",
    starting_address: "TEXT",
    ending_address: "TEXT",
    partition_row_position: "INTEGER",
    interleave_position: "INTEGER",
    interleave_data_depth: "INTEGER",
  },
  generate() {
    return memoryDeviceMappedAddressRows(readSmbiosTable());
  },
});

export function memoryDeviceMappedAddressRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    if (s.type !== SMBIOS_TYPE.MEMORY_DEVICE_MAPPED_ADDRESS || s.raw.length < 0x1b + 8) continue;
    const start = dwordAt(s, 0x04);
    // 0xFFFFFFFF defers to the 64-bit extended addresses at 0x13/0x1B.
    const extended = start === 0xffffffff;
    rows.push({
      handle: hex(wordAt(s, 0x02)),
      memory_device_handle: hex(wordAt(s, 0x0c)),
      // Deliberately filled: osquery's genSMBIOSMemoryDeviceMappedAddresses
      // (osquery/tables/system/posix/smbios_utils.cpp) never sets this spec
      // column, leaving it NULL; SMBIOS type 20 keeps the handle at 0x0E.
      memory_array_mapped_address_handle: hex(wordAt(s, 0x0e)),
      starting_address: extended ? hex(qwordAt(s, 0x13), 12) : hex(start, 8),
      ending_address: extended ? hex(qwordAt(s, 0x1b), 12) : hex(dwordAt(s, 0x08), 8),
      partition_row_position: byteAt(s, 0x10),
      interleave_position: byteAt(s, 0x11),
      interleave_data_depth: byteAt(s, 0x12),
    });
  }
  return rows;
}
