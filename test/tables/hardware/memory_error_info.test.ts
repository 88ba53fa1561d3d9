import { describe, expect, test } from "bun:test";
import table, { memoryErrorInfoRows } from "../../../tables/hardware/memory_error_info.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { generate, query } from "../../helpers.ts";
import { fixtureTable } from "./smbios_fixture.ts";

describe("memory_error_info", () => {
  test("type 18 structures; unknown (0x80000000) fields left empty", () => {
    expect(memoryErrorInfoRows(parseSmbiosTable(fixtureTable()))).toEqual([
      { handle: "0x1800", error_type: "OK", error_granularity: "Unknown", error_operation: "Unknown", vendor_syndrome: undefined,
        memory_array_error_address: undefined, device_error_address: "0x12345678", error_resolution: undefined },
    ]);
  });

  test("e2e matches the generator", async () => {
    expect(query("SELECT * FROM memory_error_info").length).toBe((await generate(table)).length);
  });
});
