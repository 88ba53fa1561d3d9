// cpu_info: processor sockets as SMBIOS type 4 describes them (osquery's
// Linux source; /proc/cpuinfo is not used).
import { arch } from "node:os";
import { onlineCpuCount, physicalCores, readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dmiStringAt, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "cpu_info",
  columns: {
    device_id: "TEXT",
    model: "TEXT",
    manufacturer: "TEXT",
    processor_type: "TEXT",
    cpu_status: "INTEGER",
    number_of_cores: "TEXT",
    logical_processors: "INTEGER",
    address_width: "TEXT",
    current_clock_speed: "INTEGER",
    max_clock_speed: "INTEGER",
    socket_designation: "TEXT",
    availability: "TEXT platform",
    load_percentage: "INTEGER platform",
    number_of_efficiency_cores: "INTEGER platform",
    number_of_performance_cores: "INTEGER platform",
  },
  generate() {
    return cpuInfoRows(readSmbiosTable());
  },
});

/** Processor Type codes that osquery turns into a device_id prefix. */
const PROCESSOR_TYPE_NAMES: Readonly<Record<string, string>> = { "3": "CPU", "4": "MATH", "5": "DSP", "6": "GPU" };

/** osq's own pointer width, as osquery's sizeof(void*) fallback gives it. */
const POINTER_BITS = ["x64", "arm64", "ppc64", "s390x", "riscv64", "loong64", "mips64el"].includes(arch()) ? "64" : "32";

export function cpuInfoRows(structures: readonly SmbiosStructure[]): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    // osquery skips a processor structure under 0x30 bytes, string set included.
    if (s.type !== SMBIOS_TYPE.PROCESSOR || s.raw.length < 0x2e + 2) continue;
    const row: Row = {
      socket_designation: dmiStringAt(s, 0x04),
      model: dmiStringAt(s, 0x10),
      manufacturer: dmiStringAt(s, 0x07),
      processor_type: String(byteAt(s, 0x05)),
      cpu_status: byteAt(s, 0x18),
      current_clock_speed: wordAt(s, 0x16),
      max_clock_speed: wordAt(s, 0x14),
    };
    if (s.length >= 0x28) {
      row.number_of_cores = String(byteAt(s, 0x23));
      row.logical_processors = byteAt(s, 0x25);
      // Processor Characteristics bit 2: 64-bit capable.
      row.address_width = wordAt(s, 0x26) & (1 << 2) ? "64" : "32";
    } else {
      // A pre-2.5 formatted area lacks these fields (its strings may still make
      // the structure long enough): osquery falls back to what this host's
      // runtime sees (osquery/tables/system/posix/smbios_utils.cpp).
      const logical = onlineCpuCount(readText("/sys/devices/system/cpu/online"));
      row.number_of_cores = String(physicalCores(readText("/proc/cpuinfo") ?? "", logical));
      row.logical_processors = logical;
      row.address_width = POINTER_BITS;
    }
    rows.push(row);
  }
  // device_id numbers the processors of a known type in table order (CPU0, CPU1, ...).
  let deviceId = 0;
  for (const r of rows) {
    const prefix = PROCESSOR_TYPE_NAMES[String(r.processor_type)];
    if (prefix) r.device_id = `${prefix}${deviceId++}`;
  }
  return rows;
}
