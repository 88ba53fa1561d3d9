// cpuid: CPU identification strings and feature bits from the CPUID instruction.
//
// JavaScript cannot execute CPUID, but Linux's cpuid driver can: a 16-byte
// pread of /dev/cpu/N/cpuid at offset (subleaf << 32 | leaf) returns
// eax, ebx, ecx, edx of that leaf as run on CPU N (root only, x86 only). When
// the device is missing or unreadable, the rows fall back to what the kernel
// reports in /proc/cpuinfo (vendor, model name, family and the `flags` line).
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";
import { readAt, withFile } from "../../src/linux/fs.ts";

export default defineTable({
  name: "cpuid",
  columns: {
    feature: "TEXT",
    value: "TEXT",
    output_register: "TEXT",
    output_bit: "INTEGER",
    input_eax: "TEXT",
  },
  generate() {
    const fromDevice = withCpuidDevice("/dev/cpu/0/cpuid", cpuidRows);
    if (fromDevice !== null) return fromDevice;
    const cpuinfo = readText("/proc/cpuinfo");
    return cpuinfo === null ? [] : cpuidRowsFromCpuinfo(cpuinfo);
  },
});

export type Registers = readonly [eax: number, ebx: number, ecx: number, edx: number];
export type CpuidReader = (leaf: number, subleaf: number) => Registers;
type RegisterName = "eax" | "ebx" | "ecx" | "edx";

/** The feature bits osquery reports, leaf by leaf, in its order. */
const FEATURES: ReadonlyArray<readonly [leaf: number, bits: ReadonlyArray<readonly [name: string, reg: RegisterName, bit: number]>]> = [
  [1, [
    ["pae", "edx", 6], ["msr", "edx", 5], ["sep", "edx", 11], ["mtrr", "edx", 12], ["pge", "edx", 13],
    ["mca", "edx", 14], ["pat", "edx", 16], ["clfsh", "edx", 19], ["acpi", "edx", 22], ["mmz", "edx", 23],
    ["sse", "edx", 25], ["sse2", "edx", 26], ["ss", "edx", 27], ["htt", "edx", 28], ["ia64", "edx", 30],
    ["sse3", "ecx", 0], ["vmx", "ecx", 5], ["smx", "ecx", 6], ["ssse3", "ecx", 9], ["sdbg", "ecx", 11],
    ["pdcm", "ecx", 15], ["pcid", "ecx", 17], ["dca", "ecx", 18], ["sse4.1", "ecx", 19], ["sse4.2", "ecx", 20],
    ["aes", "ecx", 25], ["avx", "ecx", 28], ["hypervisor", "ecx", 31],
  ]],
  [7, [
    ["sgx", "ebx", 2], ["hle", "ebx", 4], ["avx2", "ebx", 5], ["smep", "ebx", 7], ["bmi2", "ebx", 8],
    ["erms", "ebx", 9], ["invpcid", "ebx", 10], ["rtm", "ebx", 11], ["pqm", "ebx", 12], ["mpx", "ebx", 14],
    ["pqe", "ebx", 15], ["avx512f", "ebx", 16], ["avx512dq", "ebx", 17], ["rdseed", "ebx", 18], ["adx", "ebx", 19],
    ["smap", "ebx", 20], ["intel_pt", "ebx", 25], ["sha", "ebx", 29],
    ["umip", "ecx", 2], ["pku", "ecx", 3], ["ospke", "ecx", 4], ["gfni", "ecx", 8], ["vaes", "ecx", 9],
    ["sgx_lc", "ecx", 30],
    ["spec_ctrl", "edx", 26],
  ]],
  [0x80000001, [
    ["lahfsahf", "ecx", 0], ["svm", "ecx", 2], ["3dnowprefetch", "ecx", 8], ["ibs", "ecx", 10],
    ["skinit", "ecx", 12], ["lwp", "ecx", 15], ["nx", "edx", 20], ["page1gb", "edx", 26], ["lm", "edx", 29],
  ]],
];

const REG_INDEX: Readonly<Record<RegisterName, number>> = { eax: 0, ebx: 1, ecx: 2, edx: 3 };

/** Runs `fn` with a reader over a cpuid device; null when the device cannot be read. */
export function withCpuidDevice<T>(path: string, fn: (read: CpuidReader) => T): T | null {
  return withFile(path, (fd) =>
    fn((leaf, subleaf) => {
      // The file offset selects the leaf (low 32 bits) and subleaf (high 32 bits).
      const buf = readAt(fd, (BigInt(subleaf >>> 0) << 32n) | BigInt(leaf >>> 0), 16);
      if (buf.length !== 16) throw new Error("short cpuid read");
      return [buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readUInt32LE(8), buf.readUInt32LE(12)];
    }),
  );
}

/** Four little-endian register bytes as characters, as the CPU packs ID strings. */
function regText(...regs: number[]): string {
  const buf = Buffer.alloc(regs.length * 4);
  regs.forEach((r, i) => buf.writeUInt32LE(r >>> 0, i * 4));
  return buf.toString("latin1");
}

const hex8 = (v: number) => (v >>> 0).toString(16).padStart(8, "0");

/** osquery's rows from raw CPUID results. */
export function cpuidRows(read: CpuidReader): Row[] {
  const rows: Row[] = [];
  const leaf0 = read(0, 0);
  if ((leaf0[0] | 0) < 1) return rows; // No usable CPUID.
  rows.push({ feature: "vendor", value: regText(leaf0[1], leaf0[3], leaf0[2]), output_register: "ebx,edx,ecx", output_bit: 0, input_eax: "0" });

  // The 48-byte brand string. Deliberately without its padding NULs, which
  // osquery/tables/system/cpuid.cpp copies into the text value.
  let brand = "";
  for (let i = 0; i < 3; i++) brand += regText(...read(0x80000002 + i, 0));
  rows.push({ feature: "product_name", value: brand.replace(/\0+$/, ""), output_register: "eax,ebx,ecx,edx", output_bit: 0, input_eax: "0x80000002" });

  const hv = read(0x40000000, 0);
  if (hv[0] !== 0) {
    // osquery prints eax, ebx, ecx in hex although it labels them ebx,ecx,edx.
    rows.push({ feature: "hypervisor_id", value: hex8(hv[0]) + hex8(hv[1]) + hex8(hv[2]), output_register: "ebx,ecx,edx", output_bit: 0, input_eax: "0x40000000" });
  }

  const leaf1 = read(1, 0);
  const leaf3 = read(3, 0);
  rows.push({ feature: "serial", value: hex8(leaf1[0]) + hex8(leaf3[0]) + hex8(leaf3[3]), output_register: "eax,eax,ecx", output_bit: 0, input_eax: "1,3" });

  // Base family only (bits 8..11), printed as 4 hex digits: "0600".
  rows.push({ feature: "family", value: (leaf1[0] & 0xf00).toString(16).padStart(4, "0"), output_register: "eax", output_bit: 0, input_eax: "1" });

  for (const [leaf, bits] of FEATURES) {
    const regs = read(leaf, 0);
    for (const [name, reg, bit] of bits) {
      const set = (regs[REG_INDEX[reg]]! >>> bit) & 1;
      rows.push({ feature: name, value: set ? "1" : "0", output_register: reg, output_bit: bit, input_eax: String(leaf) });
    }
  }

  // SGX capability leaves 0x12.0 and 0x12.1, all four registers in hex.
  for (const [subleaf, feature, input] of [[0, "sgx0", "18"], [1, "sgx1", "18,1"]] as const) {
    const r = read(0x12, subleaf);
    rows.push({ feature, value: r.map(hex8).join(""), output_register: "eax,ebx,ecx,edx", output_bit: 0, input_eax: input });
  }
  return rows;
}

/**
 * The kernel's /proc/cpuinfo name for each osquery feature, where they differ.
 * Flags the kernel hides or renames beyond these simply read as "0".
 */
const CPUINFO_FLAG: Readonly<Record<string, string>> = {
  clfsh: "clflush", mmz: "mmx", htt: "ht", sse3: "pni", "sse4.1": "sse4_1", "sse4.2": "sse4_2",
  pqm: "cqm", pqe: "rdt_a", sha: "sha_ni", lahfsahf: "lahf_lm", page1gb: "pdpe1gb",
};

/**
 * Fallback rows from /proc/cpuinfo (first processor): the vendor, brand,
 * family and feature bits; the hypervisor id, serial and SGX leaves need raw
 * CPUID and are left out.
 */
export function cpuidRowsFromCpuinfo(text: string): Row[] {
  const first = text.split(/\n\s*\n/)[0] ?? "";
  const fields = new Map<string, string>();
  for (const line of first.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const flags = new Set((fields.get("flags") ?? "").split(/\s+/).filter(Boolean));
  if (!fields.has("vendor_id") && flags.size === 0) return [];
  const rows: Row[] = [];
  rows.push({ feature: "vendor", value: fields.get("vendor_id") ?? "", output_register: "ebx,edx,ecx", output_bit: 0, input_eax: "0" });
  rows.push({ feature: "product_name", value: fields.get("model name") ?? "", output_register: "eax,ebx,ecx,edx", output_bit: 0, input_eax: "0x80000002" });
  const family = Number(fields.get("cpu family"));
  if (Number.isFinite(family)) {
    // The kernel adds the extended family above 15; CPUID's base field saturates at 0xF.
    const base = Math.min(family, 0xf);
    rows.push({ feature: "family", value: (base << 8).toString(16).padStart(4, "0"), output_register: "eax", output_bit: 0, input_eax: "1" });
  }
  for (const [leaf, bits] of FEATURES) {
    for (const [name, reg, bit] of bits) {
      const set = flags.has(CPUINFO_FLAG[name] ?? name);
      rows.push({ feature: name, value: set ? "1" : "0", output_register: reg, output_bit: bit, input_eax: String(leaf) });
    }
  }
  return rows;
}
