import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { firmwareType, platformInfoRows } from "../../../tables/hardware/platform_info.ts";
import { parseSmbiosTable, DMI_TABLE_PATH } from "../../../src/linux/smbios.ts";
import { query } from "../../helpers.ts";
import { dmidecodePath, parseDmidecode } from "./dmi_namespace.ts";
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

  test("on this machine: the binary has one row per BIOS structure dmidecode finds (none without DMI)", () => {
    const r = Bun.spawnSync([dmidecodePath(), "-t", "0"], { stderr: "pipe" });
    // dmidecode exits 1 when the machine has no SMBIOS entry point at all.
    const bios = r.exitCode === 0 ? parseDmidecode(r.stdout.toString()).filter((d) => d.type === 0).length : 0;
    if (r.exitCode !== 0 && existsSync(DMI_TABLE_PATH)) throw new Error(`dmidecode failed with a DMI table present: ${r.stderr.toString().trim()}`);
    expect(query("SELECT * FROM platform_info").length).toBe(bios);
  });
});
