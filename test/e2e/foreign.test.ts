// --enable_foreign: osquery's tables for other platforms exist, with their
// schemas and no rows, as in osquery's Linux build.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED, osq, query } from "../helpers.ts";

// osquery's own schemas of two foreign tables (specs/darwin/launchd.table, specs/windows/registry.table).
const LAUNCHD =
  "CREATE TABLE launchd(`path` TEXT, `name` TEXT, `label` TEXT, `program` TEXT, `run_at_load` TEXT, `keep_alive` TEXT, `on_demand` TEXT, " +
  "`disabled` TEXT, `username` TEXT, `groupname` TEXT, `stdout_path` TEXT, `stderr_path` TEXT, `start_interval` TEXT, `program_arguments` TEXT, " +
  "`watch_paths` TEXT, `queue_directories` TEXT, `inetd_compatibility` TEXT, `start_on_mount` TEXT, `root_directory` TEXT, `working_directory` TEXT, " +
  "`process_type` TEXT, PRIMARY KEY (`path`)) WITHOUT ROWID;\n";
const REGISTRY =
  "CREATE TABLE registry(`key` TEXT COLLATE NOCASE, `path` TEXT, `name` TEXT, `type` TEXT, `data` TEXT, `mtime` BIGINT, PRIMARY KEY (`key`, `path`)) WITHOUT ROWID;\n";

const linuxTables = new Set((JSON.parse(readFileSync(join(SHARED, "tables.json"), "utf8")) as { name: string }[]).map((t) => t.name));

function foreignNames(): string[] {
  const all = query("select name from osquery_registry where registry = 'table'", ["--enable_foreign"]).map((r) => r.name!);
  const native = new Set(query("select name from osquery_registry where registry = 'table'").map((r) => r.name!));
  return all.filter((n) => !native.has(n));
}

test("without the flag a foreign table is unknown", () => {
  const r = osq(["select * from launchd"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe("Error: no such table: launchd\n");
});

test("with it, osquery's schemas: .schema matches osquery's specs", () => {
  // .schema matches by prefix: launchd_overrides follows launchd.
  const line = (name: string) => osq(["--enable_foreign", `.schema ${name}`]).stdout.split("\n").find((l) => l.startsWith(`CREATE TABLE ${name}(`)) + "\n";
  expect(line("launchd")).toBe(LAUNCHD);
  expect(line("registry")).toBe(REGISTRY);
});

test("select * from a foreign table returns no rows and exits 0", () => {
  for (const table of ["launchd", "programs", "registry where key = 'HKEY_LOCAL_MACHINE'"]) {
    const r = osq(["--enable_foreign", "--json", `select * from ${table}`]);
    expect({ table, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ table, code: 0, stdout: "[\n\n]\n", stderr: "" });
  }
});

test("the foreign tables are the other platforms' ones: none of them is in osquery's Linux catalogue", () => {
  const names = foreignNames();
  expect(names.length).toBeGreaterThan(100);
  expect(names).toContain("launchd");
  expect(names).toContain("programs");
  expect(names.filter((n) => linuxTables.has(n))).toEqual([]);
});

test("every foreign table without a required column answers one query with no rows", () => {
  // osq itself names each table that needs a constraint; those leave the query until it runs.
  let names = foreignNames();
  const total = names.length;
  for (;;) {
    const sql = `select ${names.map((n) => `(select count(*) from ${n})`).join(" + ")} as n`;
    const r = osq(["--enable_foreign", "--json", sql]);
    if (r.code === 0) {
      expect(JSON.parse(r.stdout)).toEqual([{ n: "0" }]);
      break;
    }
    const refused = [...r.stderr.matchAll(/Table (\w+) was queried without a required column/g)].map((m) => m[1]!);
    expect({ refused: refused.length > 0, stderr: r.stderr }).toMatchObject({ refused: true });
    names = names.filter((n) => !refused.includes(n));
  }
  expect(names.length).toBeGreaterThan(total / 2);
}, 60000);
