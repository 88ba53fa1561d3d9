import { describe, expect, test } from "bun:test";
import { memoryDeviceMappedAddressRows } from "../../../tables/hardware/memory_device_mapped_addresses.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("memory_device_mapped_addresses", () => {
  test("type 20 structures of the fixture", () => {
    expect(memoryDeviceMappedAddressRows(parseSmbiosTable(fixtureTable()))).toEqual([
      { handle: "0x1400", memory_device_handle: "0x1100", memory_array_mapped_address_handle: "0x1300",
        starting_address: "0x00000000", ending_address: "0x00ffffff", partition_row_position: 255, interleave_position: 1, interleave_data_depth: 2 },
    ]);
  });

});
