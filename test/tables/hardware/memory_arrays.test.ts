import { describe, expect, test } from "bun:test";
import { memoryArrayRows } from "../../../tables/hardware/memory_arrays.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("memory_arrays", () => {
  test("type 16 structures of the fixture, capacity in GB", () => {
    expect(memoryArrayRows(parseSmbiosTable(fixtureTable()))).toEqual([
      { handle: "0x1000", location: "System board or motherboard", use: "System memory", memory_error_correction: "Multi-bit ECC",
        max_capacity: 32, memory_error_info_handle: undefined, number_memory_devices: 2 },
      { handle: "0x1001", location: "PC-98/C20 add-on card", use: undefined, memory_error_correction: "none",
        max_capacity: 2048, memory_error_info_handle: "0x1800", number_memory_devices: 16 },
    ]);
  });

});
