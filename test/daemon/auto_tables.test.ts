// auto_table_construction across config updates, in process: the registry
// gains, keeps and drops the tables as successive configs name them, as
// osquery's parser does on each update.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyAutoTables, type AutoTableLog } from "../../src/daemon/auto_tables.ts";
import { lookupTable } from "../../src/registry.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-atc-unit-"));
afterAll(() => {
  applyAutoTables(new Map([["c", {}]]), { info() {}, warn() {}, verbose() {} });
  rmSync(dir, { recursive: true, force: true });
});

function logger(): AutoTableLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`I ${m}`), warn: (m) => lines.push(`W ${m}`), verbose: (m) => lines.push(`V ${m}`) };
}

const entry = (query: string) => ({ query, path: join(dir, "a.db"), columns: ["x"] });

test("tables are added, kept while unchanged, rebuilt when changed, and removed when the config drops them", () => {
  const first = logger();
  applyAutoTables(new Map([["/etc/osquery/osquery.conf", { t_one: entry("SELECT 1 AS x"), t_two: entry("SELECT 2 AS x") }]]), first);
  expect(first.lines).toEqual(["I ATC table: t_one Registered", "I ATC table: t_two Registered"]);
  const one = lookupTable("t_one");
  expect(one?.columns.map((c) => c.name)).toEqual(["x", "path"]);

  const second = logger();
  applyAutoTables(new Map([["/etc/osquery/osquery.conf", { t_one: entry("SELECT 1 AS x"), t_two: entry("SELECT 22 AS x") }]]), second);
  // t_one is unchanged: the same table, nothing logged; t_two's query changed: built again.
  expect(second.lines).toEqual(["I ATC table: t_two Registered"]);
  expect(lookupTable("t_one")).toBe(one!);

  const third = logger();
  applyAutoTables(new Map([["/etc/osquery/osquery.conf", { t_two: entry("SELECT 22 AS x") }]]), third);
  expect(third.lines).toEqual(["V ATC table: t_one Removed"]);
  expect(lookupTable("t_one")).toBeUndefined();
  expect(lookupTable("T_TWO")?.name).toBe("t_two");

  // A config without the key leaves the tables as they are, as osquery's parser does.
  applyAutoTables(new Map([["/etc/osquery/osquery.conf", undefined]]), logger());
  expect(lookupTable("t_two")).toBeDefined();
});
