import { describe, expect, test } from "bun:test";
import { memoryDeviceRows } from "../../../tables/hardware/memory_devices.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("memory_devices", () => {
  test("type 17 structures of the fixture", () => {
    const rows = memoryDeviceRows(parseSmbiosTable(fixtureTable()));
    expect(rows.length).toBe(2);
    expect(rows[0]).toEqual({
      handle: "0x1100", array_handle: "0x1000", form_factor: "DIMM", total_width: 72, data_width: 64,
      size: 65536, // 0x7FFF defers to the extended size
      device_locator: "DIMM_A1", bank_locator: "BANK 0", memory_type: "DDR4",
      memory_type_details: "Synchronous Registered (Buffered)", max_speed: 3200, configured_clock_speed: 2933,
      manufacturer: "Samsung", serial_number: "0x1234ABCD", asset_tag: "Not Specified", part_number: "M393A4K40DB3-CWE",
      min_voltage: 1200, max_voltage: 1260,
    });
    const empty = rows[1]!;
    expect(empty.total_width).toBeUndefined();
    expect(empty.data_width).toBeUndefined();
    expect(empty.size).toBe(0);
    expect(empty.set).toBe(1);
    expect(empty.form_factor).toBe("Unknown");
    expect(empty.memory_type_details).toBe("Unknown");
    expect(empty.manufacturer).toBe(""); // string 0: none
  });

});
