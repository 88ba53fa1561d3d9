import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import table, { cpuidRows, cpuidRowsFromCpuinfo, type Registers } from "../../../tables/hardware/cpuid.ts";
import { generate, query } from "../../helpers.ts";

const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
const first = cpuinfo.split(/\n\s*\n/)[0]!;
const field = (name: string) => first.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
const flags = new Set((field("flags") ?? "").split(/\s+/));
const isX86 = process.arch === "x64";

// Feature bits whose /proc/cpuinfo name is stable and that the kernel does not mask.
const CHECKED: Record<string, string> = { sse: "sse", sse2: "sse2", "sse4.2": "sse4_2", ssse3: "ssse3", avx: "avx", avx2: "avx2", lm: "lm", nx: "nx", aes: "aes", pae: "pae" };

describe("cpuid", () => {
  test("rows agree with /proc/cpuinfo (vendor, brand, family, feature flags)", async () => {
    if (!isX86) throw new Error(`cpuid is an x86-64 instruction; this machine is ${process.arch}`);
    const rows = await generate(table);
    const by = new Map(rows.map((r) => [String(r.feature), r]));
    expect(by.get("vendor")?.value).toBe(field("vendor_id")!);
    // The kernel prints the brand string with surrounding spaces removed.
    expect(String(by.get("product_name")?.value).trim()).toBe(field("model name")!);
    expect(by.get("family")?.value).toBe((Math.min(Number(field("cpu family")), 15) << 8).toString(16).padStart(4, "0"));
    for (const [feature, flag] of Object.entries(CHECKED)) {
      expect({ feature, value: by.get(feature)?.value }).toEqual({ feature, value: flags.has(flag) ? "1" : "0" });
    }
    if (existsSync("/dev/cpu/0/cpuid") && flags.has("hypervisor")) expect(by.has("hypervisor_id")).toBe(true);
  });

  test("raw register decoding: vendor/brand strings, bit order, leaf numbering", () => {
    const text = (s: string) => [0, 4, 8, 12].map((i) => Buffer.from(s.padEnd(16, "\0"), "latin1").readUInt32LE(i)) as unknown as Registers;
    const leaves: Record<string, Registers> = {
      "0,0": [0x16, Buffer.from("Genu").readUInt32LE(0), Buffer.from("ntel").readUInt32LE(0), Buffer.from("ineI").readUInt32LE(0)],
      "1,0": [0x000906ea, 0, (1 << 0) | (1 << 31), (1 << 26) | (1 << 6)],
      "3,0": [0, 0, 0, 0],
      "7,0": [0, (1 << 5), 0, 0],
      "2147483649,0": [0, 0, 1, 1 << 29],
      "2147483650,0": text("Test CPU Brand  "),
      "2147483651,0": text("String"),
      "2147483652,0": text(""),
      "1073741824,0": [0, 0, 0, 0],
      "18,0": [1, 2, 3, 4],
      "18,1": [0, 0, 0, 0xffffffff],
    };
    const rows = cpuidRows((leaf, sub) => leaves[`${leaf},${sub}`] ?? [0, 0, 0, 0]);
    const by = new Map(rows.map((r) => [String(r.feature), r]));
    expect(by.get("vendor")!.value).toBe("GenuineIntel");
    expect(by.get("product_name")!.value).toBe("Test CPU Brand  String");
    expect(by.has("hypervisor_id")).toBe(false);
    expect(by.get("family")!.value).toBe("0600");
    expect(by.get("serial")!.value).toBe("000906ea" + "0".repeat(16));
    expect(by.get("sse2")).toEqual({ feature: "sse2", value: "1", output_register: "edx", output_bit: 26, input_eax: "1" });
    expect(by.get("pae")!.value).toBe("1");
    expect(by.get("msr")!.value).toBe("0");
    expect(by.get("hypervisor")!.value).toBe("1");
    expect(by.get("avx2")).toMatchObject({ value: "1", input_eax: "7" });
    expect(by.get("lm")).toMatchObject({ value: "1", input_eax: "2147483649" });
    expect(by.get("lahfsahf")!.value).toBe("1");
    expect(by.get("sgx0")!.value).toBe("00000001000000020000000300000004");
    expect(by.get("sgx1")).toMatchObject({ value: "000000000000000000000000ffffffff", input_eax: "18,1" });
  });

  test("the /proc/cpuinfo fallback names features the kernel's way", () => {
    const rows = cpuidRowsFromCpuinfo(cpuinfo);
    const by = new Map(rows.map((r) => [String(r.feature), String(r.value)]));
    expect(by.get("sse3")).toBe(flags.has("pni") ? "1" : "0");
    expect(by.get("mmz")).toBe(flags.has("mmx") ? "1" : "0");
    expect(by.get("page1gb")).toBe(flags.has("pdpe1gb") ? "1" : "0");
  });

  test("e2e: vendor, family and sse2 through the binary, as /proc/cpuinfo shows them", () => {
    if (!isX86) throw new Error(`cpuid is an x86-64 instruction; this machine is ${process.arch}`);
    const rows = query("SELECT feature, value FROM cpuid WHERE feature IN ('vendor', 'sse2', 'family')");
    expect(Object.fromEntries(rows.map((r) => [r.feature, r.value]))).toEqual({
      vendor: field("vendor_id"),
      family: (Math.min(Number(field("cpu family")), 15) << 8).toString(16).padStart(4, "0"),
      sse2: flags.has("sse2") ? "1" : "0",
    });
  });
});
