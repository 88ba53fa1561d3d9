// system_info: hostname, CPU and memory facts against hostname(1), lscpu, getconf, uname, free.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import systemInfo, { canonicalHostname, dmiFields, parseCpuinfo } from "../../../tables/system/system_info.ts";
import { onlineCpuCount, physicalCores } from "../../../src/linux/proc.ts";
import { generate, query } from "../../helpers.ts";

function sh(cmd: string): string {
  return Bun.spawnSync(["sh", "-c", cmd]).stdout.toString().trim();
}

describe("system_info", () => {
  test("live values agree with the system tools", async () => {
    const [row] = await generate(systemInfo);
    expect(row!.computer_name).toBe(sh("hostname"));
    expect(row!.hostname).toBe(row!.local_hostname);
    expect(row!.cpu_type).toBe(sh("uname -m"));
    expect(Number(row!.cpu_logical_cores)).toBe(Number(sh("getconf _NPROCESSORS_ONLN")));
    expect(String(row!.physical_memory)).toBe(sh("free -b | awk '/^Mem:/ {print $2}'"));
    const cores = sh("lscpu -p=SOCKET,CORE | grep -v '^#' | sort -u | wc -l");
    expect(Number(row!.cpu_physical_cores)).toBe(Number(cores));
    const brand = sh("awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo");
    if (brand) expect(row!.cpu_brand).toBe(brand);
    const model = sh("awk -F': ' '/^model\\t/ {m=$2} END {print m}' /proc/cpuinfo");
    expect(row!.cpu_subtype).toBe(model || "0");
    const sockets = sh("lscpu -p=SOCKET | grep -v '^#' | sort -u | wc -l");
    expect(Number(row!.cpu_sockets)).toBe(Number(sockets));
    expect(String(row!.uuid)).toMatch(/^[0-9a-fA-F-]{36}$/);
  });

  test("parsers on fixtures", () => {
    const hosts = "# c\n127.0.0.1 localhost\n10.0.0.5 box.example.com box # me\n";
    expect(canonicalHostname("box", hosts)).toBe("box.example.com");
    expect(canonicalHostname("BOX", hosts)).toBe("box.example.com");
    expect(canonicalHostname("other", hosts)).toBe("other");
    const cpuinfo = "processor\t: 0\nmodel\t\t: 85\nmodel name\t: Xeon X\nmicrocode\t: 0x5003\nphysical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nmodel\t\t: 85\nphysical id\t: 1\ncore id\t\t: 0\n";
    expect(parseCpuinfo(cpuinfo)).toEqual({ model: "85", microcode: "0x5003", brand: "Xeon X" });
    expect(parseCpuinfo("processor\t: 0\nsiblings\t: 4\n\nprocessor\t: 1\nsiblings\t: 8\n").siblings).toBe(8);
    expect(physicalCores(cpuinfo, 8)).toBe(2);
    expect(physicalCores("weird: a: b\n", 8)).toBe(8);
    expect(onlineCpuCount("0-3,8,10-11\n")).toBe(7);
  });

  test("Lenovo's model sits in the version string, so the two trade places", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-dmi-"));
    try {
      const put = (f: string, v: string) => writeFileSync(join(dir, f), `${v}\n`);
      put("uevent", "MODALIAS=dmi:x\n");
      put("sys_vendor", "LENOVO");
      put("product_name", "20XWCTO1WW");
      put("product_version", "ThinkPad X1 Carbon Gen 9");
      put("board_vendor", "LENOVO");
      expect(dmiFields(dir)).toMatchObject({ hardware_vendor: "LENOVO", hardware_model: "ThinkPad X1 Carbon Gen 9", hardware_version: "20XWCTO1WW", board_vendor: "LENOVO" });
      put("sys_vendor", "Dell Inc.");
      expect(dmiFields(dir)).toMatchObject({ hardware_model: "20XWCTO1WW", hardware_version: "ThinkPad X1 Carbon Gen 9" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("end to end through the binary", () => {
    const [row] = query("SELECT computer_name, cpu_type, cpu_logical_cores, cpu_sockets FROM system_info");
    const sockets = sh("lscpu -p=SOCKET | grep -v '^#' | sort -u | wc -l");
    expect(row).toEqual({ computer_name: sh("hostname"), cpu_type: sh("uname -m"), cpu_logical_cores: sh("getconf _NPROCESSORS_ONLN"), cpu_sockets: sockets });
    // one host UUID, as osquery's system_info and osquery_info share getHostUUID
    expect(query("SELECT s.uuid = o.uuid AS same FROM system_info s, osquery_info o")).toEqual([{ same: "1" }]);
  });
});
