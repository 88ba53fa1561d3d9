// memory_error_info: SMBIOS type 18 (32-bit Memory Error Information).
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dwordAt, hex, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "memory_error_info",
  columns: {
    handle: "TEXT",
    error_type: "TEXT",
    error_granularity: "TEXT",
    error_operation: "TEXT",
    vendor_syndrome: "TEXT",
    memory_array_error_address: "TEXT",
    device_error_address: "TEXT",
    error_resolution: "TEXT",
  },
  generate() {
    return memoryErrorInfoRows(readSmbiosTable());
  },
});

const ERROR_TYPES: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "OK", 0x04: "Bad read", 0x05: "Parity error", 0x06: "Single-bit error",
  0x07: "Double-bit error", 0x08: "Multi-bit error", 0x09: "Nibble error", 0x0a: "Checksum error",
  0x0b: "CRC error", 0x0c: "Corrected single-bit error", 0x0d: "Corrected error", 0x0e: "Uncorrectable error",
};

const GRANULARITIES: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "Device level", 0x04: "Memory partition level",
};

const OPERATIONS: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "Read", 0x04: "Write", 0x05: "Partial write",
};

/** 0x80000000 is SMBIOS's "unknown" for the address and resolution fields. */
const UNKNOWN = 0x80000000;

export function memoryErrorInfoRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    if (s.type !== SMBIOS_TYPE.MEMORY_ERROR_INFO || s.raw.length < 0x13 + 4) continue;
    const syndrome = dwordAt(s, 0x07);
    const arrayAddr = dwordAt(s, 0x0b);
    const deviceAddr = dwordAt(s, 0x0f);
    const resolution = dwordAt(s, 0x13);
    rows.push({
      handle: hex(wordAt(s, 0x02)),
      error_type: ERROR_TYPES[byteAt(s, 0x04)],
      error_granularity: GRANULARITIES[byteAt(s, 0x05)],
      error_operation: OPERATIONS[byteAt(s, 0x06)],
      vendor_syndrome: syndrome !== 0 ? hex(syndrome, 8) : undefined,
      memory_array_error_address: arrayAddr !== UNKNOWN ? hex(arrayAddr, 8) : undefined,
      device_error_address: deviceAddr !== UNKNOWN ? hex(deviceAddr, 8) : undefined,
      error_resolution: resolution !== UNKNOWN ? hex(resolution, 8) : undefined,
    });
  }
  return rows;
}
