import { describe, expect, test } from "bun:test";
import { oemStringRows } from "../../../tables/hardware/oem_strings.ts";
import { parseSmbiosTable } from "../../../src/linux/smbios.ts";
import { fixtureTable, OEM } from "./smbios_fixture.ts";

// Through the binary, against dmidecode: smbios_dmidecode.test.ts.
describe("oem_strings", () => {
  test("type 11 strings of the fixture, numbered from 1", () => {
    expect(oemStringRows(parseSmbiosTable(fixtureTable()))).toEqual(
      OEM.strings.map((value, i) => ({ handle: "0x0b00", number: i + 1, value: value.trimEnd() })),
    );
  });

});
