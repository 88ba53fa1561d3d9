import { describe, expect, test } from "bun:test";
import { memoryErrorInfoRows } from "../../../tables/hardware/memory_error_info.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("memory_error_info", () => {
  test("type 18 structures; unknown (0x80000000) fields left empty", () => {
    expect(memoryErrorInfoRows(parseSmbiosTable(fixtureTable()))).toEqual([
      { handle: "0x1800", error_type: "OK", error_granularity: "Unknown", error_operation: "Unknown", vendor_syndrome: undefined,
        memory_array_error_address: undefined, device_error_address: "0x12345678", error_resolution: undefined },
    ]);
  });

});
