import { describe, expect, test } from "bun:test";
import { memoryArrayMappedAddressRows } from "../../../tables/hardware/memory_array_mapped_addresses.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("memory_array_mapped_addresses", () => {
  test("type 19 structures, 32-bit and extended 64-bit ranges", () => {
    expect(memoryArrayMappedAddressRows(parseSmbiosTable(fixtureTable()))).toEqual([
      { handle: "0x1300", memory_array_handle: "0x1000", starting_address: "0x00000000", ending_address: "0x01ffffff", partition_width: 2 },
      { handle: "0x1301", memory_array_handle: "0x1001", starting_address: "0x000100000000", ending_address: "0x00047fffffff", partition_width: 1 },
    ]);
  });

});
