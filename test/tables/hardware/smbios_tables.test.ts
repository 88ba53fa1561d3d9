import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smbiosTableRows } from "../../../tables/hardware/smbios_tables.ts";
import { parseSmbiosEntryPoint, parseSmbiosTable, readSmbiosTable, DMI_TABLE_PATH } from "../../../src/linux/smbios.ts";
import { query } from "../../helpers.ts";
import { dmidecodePath, parseDmidecode } from "./dmi_namespace.ts";
import { ALL, encodeStruct, fixtureTable } from "./smbios_fixture.ts";

describe("smbios_tables", () => {
  test("parses every structure of a fixture DMI blob read from disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-dmi-"));
    const path = join(dir, "DMI");
    writeFileSync(path, fixtureTable());
    const rows = smbiosTableRows(readSmbiosTable(path));
    expect(rows.length).toBe(ALL.length);
    ALL.forEach((s, i) => {
      const bytes = encodeStruct(s);
      const md5 = new Bun.CryptoHasher("md5").update(bytes).digest("hex");
      expect(rows[i]).toMatchObject({ number: i, type: s.type, handle: s.handle, header_size: s.length, size: bytes.length, md5 });
    });
    expect(rows[0]!.description).toBe("BIOS Information");
    expect(rows[7]!.description).toBe("Memory Device");
    expect(rows.at(-1)!.description).toBe("End-of-Table");
  });

  test("stops at a structure that runs past the end; unknown types say Unknown", () => {
    const blob = fixtureTable();
    const cut = blob.subarray(0, encodeStruct(ALL[0]!).length + 10);
    expect(parseSmbiosTable(cut).length).toBe(1);
    const odd = encodeStruct({ type: 200, handle: 7, length: 4, fields: [], strings: [] });
    expect(smbiosTableRows(parseSmbiosTable(odd))[0]!.description).toBe("Unknown");
  });

  test("entry points: SMBIOS 3.x (_SM3_) and 2.x (_SM_)", () => {
    const ep3 = new Uint8Array(0x18);
    ep3.set(Buffer.from("_SM3_"), 0);
    ep3.set([0x18, 3, 3], 6); // length, major, minor
    new DataView(ep3.buffer).setUint32(0x0c, 0x1234, true);
    new DataView(ep3.buffer).setBigUint64(0x10, 0x7f000000n, true);
    expect(parseSmbiosEntryPoint(ep3)).toEqual({ anchor: "_SM3_", major: 3, minor: 3, tableLength: 0x1234, tableAddress: 0x7f000000n });
    const ep2 = new Uint8Array(0x1f);
    ep2.set(Buffer.from("_SM_"), 0);
    ep2.set([0, 0x1f, 2, 8], 4);
    ep2.set(Buffer.from("_DMI_"), 0x10);
    new DataView(ep2.buffer).setUint16(0x16, 0x0abc, true);
    new DataView(ep2.buffer).setUint32(0x18, 0x000f0000, true);
    expect(parseSmbiosEntryPoint(ep2)).toEqual({ anchor: "_SM_", major: 2, minor: 8, tableLength: 0x0abc, tableAddress: 0xf0000n });
    expect(parseSmbiosEntryPoint(new Uint8Array(32))).toBeNull();
  });

  test("on this machine: the binary has one row per structure dmidecode decodes (none without DMI)", () => {
    const r = Bun.spawnSync([dmidecodePath()], { stderr: "pipe" });
    if (r.exitCode !== 0 && existsSync(DMI_TABLE_PATH)) throw new Error(`dmidecode failed with a DMI table present: ${r.stderr.toString().trim()}`);
    const handles = r.exitCode === 0 ? parseDmidecode(r.stdout.toString()).map((d) => String(Number(d.handle))) : [];
    expect(query("SELECT handle FROM smbios_tables").map((row) => row.handle)).toEqual(handles);
  });
});
