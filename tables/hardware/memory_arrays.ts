// memory_arrays: physical memory arrays from SMBIOS type 16.
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dwordAt, hex, qwordAt, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "memory_arrays",
  columns: {
    handle: "TEXT",
    location: "TEXT",
    use: "TEXT",
    memory_error_correction: "TEXT",
    max_capacity: "INTEGER",
    memory_error_info_handle: "TEXT",
    number_memory_devices: "INTEGER",
  },
  generate() {
    return memoryArrayRows(readSmbiosTable());
  },
});

const LOCATIONS: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "System board or motherboard", 0x04: "ISA add-on card",
  0x05: "EISA add-on card", 0x06: "PCI add-on card", 0x07: "MCA add-on card", 0x08: "PCMCIA add-on card",
  0x09: "Proprietary add-on card", 0x0a: "NuBus", 0xa0: "PC-98/C20 add-on card", 0xa1: "PC-98/C24 add-on card",
  0xa2: "PC-98/E add-on card", 0xa3: "PC-98/Local bus add-on card",
};

const USES: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "System memory", 0x04: "Video memory", 0x05: "Flash memory",
  0x06: "Non-volatile RAM", 0x07: "Cache memory",
};

const ERROR_CORRECTION: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "none", 0x04: "Parity", 0x05: "Single-bit ECC", 0x06: "Multi-bit ECC",
  0x07: "CRC",
};

export function memoryArrayRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    if (s.type !== SMBIOS_TYPE.MEMORY_ARRAY || s.raw.length < 0x0f + 8) continue;
    const capacityKb = dwordAt(s, 0x07);
    const errHandle = wordAt(s, 0x0b);
    rows.push({
      handle: hex(wordAt(s, 0x02)),
      location: LOCATIONS[byteAt(s, 0x04)],
      use: USES[byteAt(s, 0x05)],
      memory_error_correction: ERROR_CORRECTION[byteAt(s, 0x06)],
      // In GB, as osquery reports it: the KB field, or the Extended Maximum
      // Capacity in bytes when the KB field says 0x80000000 ("see extended").
      max_capacity: capacityKb >= 0x80000000 ? Number(qwordAt(s, 0x0f) / 1073741824n) : Math.floor(capacityKb / 1048576),
      // 0xFFFE: not provided; 0xFFFF: no error detected.
      memory_error_info_handle: errHandle !== 0xfffe && errHandle !== 0xffff ? hex(errHandle) : undefined,
      number_memory_devices: wordAt(s, 0x0d),
    });
  }
  return rows;
}
