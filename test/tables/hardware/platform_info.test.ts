import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import table, { firmwareType, platformInfoRows } from "../../../tables/hardware/platform_info.ts";
import { parseSmbiosTable, DMI_TABLE_PATH } from "../../../src/linux/smbios.ts";
import { generate, query } from "../../helpers.ts";
import { fixtureTable } from "./smbios_fixture.ts";

describe("platform_info", () => {
  test("BIOS structure (type 0) of the fixture", () => {
    const rows = platformInfoRows(parseSmbiosTable(fixtureTable()), "bios");
    expect(rows).toEqual([{
      vendor: "Acme BIOS Inc.", // trailing spaces trimmed
      version: "1.2.3",
      date: "03/14/2024",
      address: "0xe800",
      size: String((0x3f + 1) * 64 * 1024),
      revision: "5.17",
      volume_size: 0,
      extra: "",
      firmware_type: "bios",
    }]);
  });

  test("firmware type follows /sys/firmware/efi", () => {
    expect(firmwareType()).toBe(existsSync("/sys/firmware/efi") ? "uefi" : "bios");
  });

  test("on this machine and e2e: one row per BIOS structure, none without DMI", async () => {
    const rows = await generate(table);
    if (!existsSync(DMI_TABLE_PATH)) expect(rows).toEqual([]);
    expect(query("SELECT * FROM platform_info").length).toBe(rows.length);
  });
});
