import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import table, { cpuInfoRows } from "../../../tables/hardware/cpu_info.ts";
import { parseSmbiosTable, DMI_TABLE_PATH } from "../../../src/linux/smbios.ts";
import { generate, query } from "../../helpers.ts";
import { fixtureTable } from "./smbios_fixture.ts";

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

  test("on this machine: SMBIOS sockets; their threads cover /proc/cpuinfo's processors", async () => {
    const rows = await generate(table);
    if (!existsSync(DMI_TABLE_PATH)) {
      expect(rows).toEqual([]);
      return;
    }
    const online = readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
    const threads = rows.reduce((n, r) => n + Number(r.logical_processors), 0);
    expect(threads).toBeGreaterThanOrEqual(online);
  });

  test("e2e", async () => {
    expect(query("SELECT * FROM cpu_info").length).toBe((await generate(table)).length);
  });
});
