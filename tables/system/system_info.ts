// system_info: one row about the host.
//
// As osquery on Linux: hostname and local_hostname are the canonical name
// getaddrinfo(AI_CANONNAME) gives for gethostname() (osq resolves it through
// /etc/hosts, the "files" source, and keeps the plain name otherwise, without
// a DNS query); computer_name is gethostname() itself. cpu_brand is the CPUID
// brand string (x86 only; the kernel shows it as "model name"), cpu_subtype
// and cpu_microcode the "model" and "microcode" values of /proc/cpuinfo (the
// last processor's), cpu_logical_cores the online CPUs, cpu_physical_cores
// the distinct (physical id, core id) pairs, physical_memory MemTotal in
// bytes. Hardware and board fields are the SMBIOS system (type 1) and board
// (type 2) strings, which the kernel exports under /sys/class/dmi/id (serials
// need root); hardware_model is "" when there is no DMI, and for a vendor
// "lenovo" (any case) model and version trade places, as Lenovo puts the model
// in the version string. cpu_sockets is the logical CPUs divided by the
// "siblings" (logical CPUs per socket) of /proc/cpuinfo, -1 when either is 0.
// uuid is the host UUID osquery_info
// reports too (src/runtime.ts), as both come from one getHostUUID in osquery.
import { machine, hostname as osHostname, arch } from "node:os";
import { onlineCpuCount, physicalCores, readText } from "../../src/linux/proc.ts";
import { hostUuid } from "../../src/runtime.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

const DMI = "/sys/class/dmi/id";

export default defineTable({
  name: "system_info",
  columns: {
    hostname: "TEXT",
    uuid: "TEXT collate=nocase",
    cpu_type: "TEXT",
    cpu_subtype: "TEXT",
    cpu_brand: "TEXT",
    cpu_physical_cores: "INTEGER",
    cpu_logical_cores: "INTEGER",
    cpu_sockets: "INTEGER",
    cpu_microcode: "TEXT",
    physical_memory: "BIGINT",
    hardware_vendor: "TEXT",
    hardware_model: "TEXT",
    hardware_version: "TEXT",
    hardware_serial: "TEXT",
    board_vendor: "TEXT",
    board_model: "TEXT",
    board_version: "TEXT",
    board_serial: "TEXT",
    computer_name: "TEXT",
    local_hostname: "TEXT",
    emulated_cpu_type: "TEXT platform",
  },
  generate() {
    const name = osHostname().trim();
    const fqdn = canonicalHostname(name, readText("/etc/hosts") ?? "");
    const cpuinfo = readText("/proc/cpuinfo") ?? "";
    const cpu = parseCpuinfo(cpuinfo);
    const logical = onlineCpuCount(readText("/sys/devices/system/cpu/online"));
    const memTotal = /^MemTotal:\s+(\d+)\s*kB/m.exec(readText("/proc/meminfo") ?? "");
    const sockets = cpu.siblings === undefined ? undefined : logical > 0 && cpu.siblings > 0 ? Math.floor(logical / cpu.siblings) : -1;
    const row: Row = {
      hostname: fqdn,
      uuid: hostUuid(),
      cpu_type: machine(),
      cpu_subtype: cpu.model ?? "0",
      cpu_brand: arch() === "x64" ? cpu.brand : undefined,
      cpu_physical_cores: physicalCores(cpuinfo, logical),
      cpu_logical_cores: logical > 0 ? logical : -1,
      cpu_sockets: sockets,
      cpu_microcode: cpu.microcode,
      physical_memory: memTotal ? BigInt(memTotal[1] as string) * 1024n : -1,
      computer_name: name,
      local_hostname: fqdn,
      ...dmiFields(DMI),
    };
    return [row];
  },
});

/**
 * The canonical name /etc/hosts gives `name` (the first name on the first
 * line that lists it, case-insensitively), or `name` itself.
 */
export function canonicalHostname(name: string, hostsText: string): string {
  const want = name.toLowerCase();
  for (const raw of hostsText.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const fields = line.split(/\s+/).slice(1);
    if (fields.some((f) => f.toLowerCase() === want)) return fields[0] as string;
  }
  return name;
}

export interface CpuinfoFacts {
  readonly model?: string;
  readonly microcode?: string;
  readonly brand?: string;
  readonly siblings?: number;
}

/** The last "model\t", "microcode" and "siblings" values and the first "model name", split and trimmed as osquery does. */
export function parseCpuinfo(text: string): CpuinfoFacts {
  let model: string | undefined;
  let microcode: string | undefined;
  let brand: string | undefined;
  let siblings: number | undefined;
  for (const line of osquerySplit(text, "\n")) {
    if (line.startsWith("model\t")) {
      const d = osquerySplit(line, ":");
      if (d.length === 2) model = d[1];
    } else if (line.startsWith("microcode")) {
      const d = osquerySplit(line, ":");
      if (d.length === 2) microcode = d[1];
    } else if (line.startsWith("siblings")) {
      const d = osquerySplit(line, ":");
      // osquery's std::stoi takes the leading digits; a value without any
      // would throw there, so it is skipped here.
      const n = d.length === 2 ? Number.parseInt(d[1] as string, 10) : Number.NaN;
      if (!Number.isNaN(n)) siblings = n;
    } else if (line.startsWith("model name") && brand === undefined) {
      const i = line.indexOf(":");
      if (i >= 0) brand = line.slice(i + 1).trim();
    }
  }
  return { model, microcode, brand, siblings };
}


/** SMBIOS system and board strings from a /sys/class/dmi/id-shaped directory. */
export function dmiFields(dir: string): Row {
  const dmi = (field: string): string | undefined => {
    const v = readText(`${dir}/${field}`);
    return v === null ? undefined : v.replace(/\n/g, "").trim();
  };
  if (readText(`${dir}/uevent`) === null && dmi("sys_vendor") === undefined) return { hardware_model: "" };
  const vendor = dmi("sys_vendor");
  const lenovo = vendor?.toLowerCase() === "lenovo";
  return {
    hardware_vendor: vendor,
    hardware_model: dmi(lenovo ? "product_version" : "product_name"),
    hardware_version: dmi(lenovo ? "product_name" : "product_version"),
    hardware_serial: dmi("product_serial"),
    board_vendor: dmi("board_vendor"),
    board_model: dmi("board_name"),
    board_version: dmi("board_version"),
    board_serial: dmi("board_serial"),
  };
}
