// memory_devices: memory modules/slots from SMBIOS type 17 (Memory Device).
import { defineTable, type Row } from "../../src/table.ts";
import { bitFieldNames, byteAt, dmiStringAt, dwordAt, hex, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "memory_devices",
  columns: {
    handle: "TEXT",
    array_handle: "TEXT",
    form_factor: "TEXT",
    total_width: "INTEGER",
    data_width: "INTEGER",
    size: "INTEGER",
    set: "INTEGER",
    device_locator: "TEXT",
    bank_locator: "TEXT",
    memory_type: "TEXT",
    memory_type_details: "TEXT",
    max_speed: "INTEGER",
    configured_clock_speed: "INTEGER",
    manufacturer: "TEXT",
    serial_number: "TEXT",
    asset_tag: "TEXT",
    part_number: "TEXT",
    min_voltage: "INTEGER",
    max_voltage: "INTEGER",
    configured_voltage: "INTEGER",
  },
  generate() {
    return memoryDeviceRows(readSmbiosTable());
  },
});

// Enumerations as osquery names them (codes it does not know are left empty).
const FORM_FACTORS: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "SIMM", 0x04: "SIP", 0x05: "Chip", 0x06: "DIP", 0x07: "ZIP",
  0x08: "Proprietary Card", 0x09: "DIMM", 0x0a: "TSOP", 0x0b: "Row of chips", 0x0c: "RIMM", 0x0d: "SODIMM",
  0x0e: "SRIMM", 0x0f: "FB-DIMM",
};

const MEMORY_TYPES: Readonly<Record<number, string>> = {
  0x01: "Other", 0x02: "Unknown", 0x03: "DRAM", 0x04: "EDRAM", 0x05: "VRAM", 0x06: "SRAM", 0x07: "RAM",
  0x08: "ROM", 0x09: "FLASH", 0x0a: "EEPROM", 0x0b: "FEPROM", 0x0c: "EPROM", 0x0d: "CDRAM", 0x0e: "3DRAM",
  0x0f: "SDRAM", 0x10: "SGRAM", 0x11: "RDRAM", 0x12: "DDR", 0x13: "DDR2", 0x14: "DDR2 FB-DIMM",
  0x15: "RESERVED", 0x16: "RESERVED", 0x17: "RESERVED", 0x18: "DDR3", 0x19: "FBD2", 0x1a: "DDR4",
  0x1b: "LPDDR", 0x1c: "LPDDR2", 0x1d: "LPDDR3", 0x1e: "LPDDR4",
};

/** Type Detail bits 0..15. */
const TYPE_DETAILS: readonly string[] = [
  "Reserved", "Other", "Unknown", "Fast-paged", "Static column", "Pseudo-static", "RAMBUS", "Synchronous",
  "CMOS", "EDO", "Window DRAM", "Cache DRAM", "Non-volatile", "Registered (Buffered)",
  "Unbuffered (Unregistered)", "LRDIMM",
];

export function memoryDeviceRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    // osquery reads through Configured Voltage (SMBIOS 2.8 layout).
    if (s.type !== SMBIOS_TYPE.MEMORY_DEVICE || s.raw.length < 0x26 + 4) continue;
    const r: Row = {
      handle: hex(wordAt(s, 0x02)),
      array_handle: hex(wordAt(s, 0x04)),
      form_factor: FORM_FACTORS[byteAt(s, 0x0e)],
      device_locator: dmiStringAt(s, 0x10),
      bank_locator: dmiStringAt(s, 0x11),
      memory_type: MEMORY_TYPES[byteAt(s, 0x12)],
      memory_type_details: bitFieldNames(wordAt(s, 0x13), TYPE_DETAILS),
      manufacturer: dmiStringAt(s, 0x17),
      serial_number: dmiStringAt(s, 0x18),
      asset_tag: dmiStringAt(s, 0x19),
      part_number: dmiStringAt(s, 0x1a),
    };
    // 0xFFFF means "unknown" for widths and size.
    const totalWidth = wordAt(s, 0x08);
    if (totalWidth !== 0xffff) r.total_width = totalWidth;
    const dataWidth = wordAt(s, 0x0a);
    if (dataWidth !== 0xffff) r.data_width = dataWidth;
    const size = wordAt(s, 0x0c);
    // 0x7FFF defers to the 32-bit Extended Size (MB) at 0x1C.
    if (size !== 0xffff) r.size = size !== 0x7fff ? size : dwordAt(s, 0x1c);
    if (byteAt(s, 0x0f) !== 0xff) r.set = byteAt(s, 0x0f);
    const maxSpeed = wordAt(s, 0x15);
    if (maxSpeed !== 0 && maxSpeed !== 0xffff) r.max_speed = maxSpeed;
    const clock = wordAt(s, 0x20);
    if (clock !== 0 && clock !== 0xffff) r.configured_clock_speed = clock;
    // Voltages in millivolts; 0 means unknown.
    const minV = wordAt(s, 0x22);
    if (minV !== 0) r.min_voltage = minV;
    const maxV = wordAt(s, 0x24);
    if (maxV !== 0) r.max_voltage = maxV;
    const confV = wordAt(s, 0x26);
    if (confV !== 0) r.configured_voltage = confV;
    rows.push(r);
  }
  return rows;
}
