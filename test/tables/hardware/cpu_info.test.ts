import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { cpuInfoRows } from "../../../tables/hardware/cpu_info.ts";
import { parseSmbiosTable, DMI_TABLE_PATH } from "../../../src/linux/smbios.ts";
import { generate, query } from "../../helpers.ts";
import { dmidecodePath, parseDmidecode } from "./dmi_namespace.ts";
import { END, encodeTable, fixtureTable } from "./smbios_fixture.ts";

describe("cpu_info", () => {
  test("processor structures (type 4) of the fixture; device_id counts CPUs only", () => {
    const rows = cpuInfoRows(parseSmbiosTable(fixtureTable()));
    expect(rows.length).toBe(3);
    expect(rows[0]).toEqual({
      device_id: "CPU0", socket_designation: "CPU 0", model: "Xeon Fake CPU @ 2.60GHz", manufacturer: "GenuineIntel",
      processor_type: "3", cpu_status: 0x41, number_of_cores: "8", logical_processors: 16, address_width: "64",
      current_clock_speed: 2600, max_clock_speed: 4000,
    });
    expect(rows[1]!.device_id).toBeUndefined(); // type 1 ("Other") gets no id
    expect(rows[1]!.address_width).toBe("32");
    expect(rows[2]!.device_id).toBe("CPU1");
  });

  test("a pre-2.5 processor (formatted area under 0x28) takes cores, threads and width from the host", () => {
    // SMBIOS 2.3 layout: 0x1a bytes formatted; long strings still make the structure 0x30+ bytes.
    const old = { type: 4, handle: 0x0410, length: 0x1a, fields: [[0x04, 1, 1], [0x05, 1, 3], [0x07, 1, 2], [0x10, 1, 3], [0x14, 2, 3000], [0x16, 2, 2000], [0x18, 1, 0x41]] as const, strings: ["Socket 370", "GenuineIntel", "Pentium III Fake Processor"] };
    const [row] = cpuInfoRows(parseSmbiosTable(encodeTable([old, END])));
    const sh = (cmd: string[]) => Bun.spawnSync(cmd).stdout.toString();
    const online = Number(sh(["getconf", "_NPROCESSORS_ONLN"]).trim());
    // lscpu's parseable output: one line per CPU with its core and socket.
    const cores = new Set(sh(["lscpu", "-p=CORE,SOCKET"]).split("\n").filter((l) => l && !l.startsWith("#"))).size;
    expect(online).toBeGreaterThan(0);
    expect(row).toEqual({
      device_id: "CPU0", socket_designation: "Socket 370", model: "Pentium III Fake Processor", manufacturer: "GenuineIntel",
      processor_type: "3", cpu_status: 0x41, current_clock_speed: 2000, max_clock_speed: 3000,
      number_of_cores: String(cores), logical_processors: online, address_width: "64",
    });
  });

  test("on this machine: the binary's sockets are dmidecode's processors; their threads cover /proc/cpuinfo's", () => {
    const r = Bun.spawnSync([dmidecodePath(), "-t", "4"], { stderr: "pipe" });
    if (r.exitCode !== 0 && existsSync(DMI_TABLE_PATH)) throw new Error(`dmidecode failed with a DMI table present: ${r.stderr.toString().trim()}`);
    // osquery reads only the SMBIOS 2.5 layout (0x28 bytes and up).
    const sockets = r.exitCode === 0 ? parseDmidecode(r.stdout.toString()).filter((d) => d.type === 4 && d.length >= 0x28) : [];
    const rows = query("SELECT socket_designation, logical_processors FROM cpu_info");
    expect(rows.map((row) => row.socket_designation)).toEqual(sockets.map((d) => d.fields["Socket Designation"] ?? ""));
    if (rows.length > 0) {
      const online = readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
      expect(rows.reduce((n, row) => n + Number(row.logical_processors), 0)).toBeGreaterThanOrEqual(online);
    }
  });
});
