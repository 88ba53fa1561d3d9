// acpi_tables: the live rows against md5sum and wc -c over the same files
// (the listing itself comes from find, an independent walk), and a fixture
// folder for the rules osquery applies (only files directly inside, byte order).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { ACPI_TABLES_DIR, acpiTableRows } from "../../../tables/hardware/acpi_tables.ts";
import { generate, query } from "../../helpers.ts";

const sh = (cmd: string) => Bun.spawnSync(["sh", "-c", cmd]).stdout.toString();

/** name → {size, md5} from coreutils, for the regular files directly in `dir`. */
function coreutilsView(dir: string): Map<string, { size: string; md5: string }> {
  const out = new Map<string, { size: string; md5: string }>();
  const names = sh(`find '${dir}' -mindepth 1 -maxdepth 1 ! -type d ! -name '.*' -printf '%f\\n' 2>/dev/null`).split("\n").filter(Boolean);
  for (const name of names) {
    const path = join(dir, name);
    const md5 = sh(`md5sum < '${path}'`).split(" ")[0]!;
    const size = sh(`wc -c < '${path}'`).trim();
    out.set(name, { size, md5 });
  }
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), "osq-acpi-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("acpi_tables", () => {
  test("live rows match md5sum and wc -c", async () => {
    const expected = coreutilsView(ACPI_TABLES_DIR);
    const rows = await generate(table);
    expect(rows.length).toBe(expected.size);
    for (const r of rows) {
      const e = expected.get(String(r.name));
      expect({ name: r.name, size: String(r.size), md5: r.md5 }).toEqual({ name: r.name, size: e?.size ?? "?", md5: e?.md5 ?? "?" });
    }
  });

  test("fixture: files only (sub-folders skipped, symlinks to files kept), sorted by bytes", () => {
    const dir = join(tmp, "tables");
    mkdirSync(join(dir, "dynamic"), { recursive: true });
    writeFileSync(join(dir, "dynamic", "SSDT1"), "nested");
    writeFileSync(join(dir, "FACP"), Buffer.from([0, 1, 2, 3, 255]));
    writeFileSync(join(dir, "APIC"), "apic table bytes");
    writeFileSync(join(dir, "SSDT"), "");
    writeFileSync(join(dir, ".hidden"), "x");
    symlinkSync(join(dir, "APIC"), join(dir, "BGRT"));
    const rows = acpiTableRows(dir);
    expect(rows.map((r) => r.name)).toEqual(["APIC", "BGRT", "FACP", "SSDT"]);
    const expected = coreutilsView(dir);
    for (const r of rows) {
      const e = expected.get(String(r.name))!;
      expect({ size: String(r.size), md5: r.md5 }).toEqual(e);
    }
    expect(acpiTableRows(join(tmp, "missing"))).toEqual([]);
  });

  test("e2e: the binary reports the same tables", async () => {
    const rows = query("select name, size, md5 from acpi_tables order by name");
    const expected = coreutilsView(ACPI_TABLES_DIR);
    expect(rows.map((r) => r.name).sort()).toEqual([...expected.keys()].sort());
    for (const r of rows) expect({ size: r.size, md5: r.md5 }).toEqual(expected.get(r.name!)!);
  });
});
