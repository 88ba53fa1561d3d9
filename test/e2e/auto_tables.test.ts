// auto_table_construction end to end: the test writes SQLite files (with
// bun:sqlite, the way any application would), a config names them by a path
// relative to the working directory, and the compiled osqueryi and osqueryd
// answer queries on the tables they build, with osquery's warnings for bad
// entries, files and queries.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-atc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir };

function makeDb(path: string, fill: (db: Database) => void): void {
  const db = new Database(path, { create: true });
  fill(db);
  db.close();
}

makeDb(join(dir, "fruit.db"), (db) => {
  db.run("CREATE TABLE fruit (name TEXT, count INTEGER, weight REAL, note BLOB)");
  db.run("INSERT INTO fruit VALUES ('apple', 3, 0.25, NULL), ('pear', 5, 1.5, 'ripe'), ('fig', 12, 2.0, x'6a616d0062')");
});
mkdirSync(join(dir, "shops"));
for (const [shop, stock] of [["north", 7], ["south", 9]] as const) {
  makeDb(join(dir, "shops", `${shop}.sqlite`), (db) => {
    db.run("CREATE TABLE stock (item TEXT, qty INTEGER)");
    db.run("INSERT INTO stock VALUES ('plum', ?)", [stock]);
  });
}
writeFileSync(join(dir, "not_a.db"), "this file is text, not a SQLite database; its header says nothing SQLite knows\n".repeat(4));

const ATC = {
  fruit_basket: { query: "SELECT name, count, weight, note FROM fruit", path: "fruit.db", columns: ["name", "count", "weight", "note"], platform: "linux" },
  shop_stock: { query: "SELECT item, qty FROM stock", path: "shops/%.sqlite", columns: ["item", "qty"] },
  own_path: { query: "SELECT name, 'inside' AS path FROM fruit WHERE name = 'fig'", path: "fruit.db", columns: ["name", "Path"] },
  bad_query: { query: "SELECT nope FROM nowhere", path: "fruit.db", columns: ["nope"] },
  bad_file: { query: "SELECT 1 AS a", path: "not_a.db", columns: ["a"] },
  writer: { query: "DELETE FROM fruit", path: "fruit.db", columns: ["a"] },
  no_columns: { query: "SELECT 1", path: "fruit.db" },
  no_query: { path: "fruit.db", columns: ["a"] },
  processes: { query: "SELECT 1 AS pid", path: "fruit.db", columns: ["pid"] },
  mac_only: { query: "SELECT 1 AS a", path: "fruit.db", columns: ["a"], platform: "darwin" },
};
writeFileSync(join(dir, "atc.conf"), JSON.stringify({ auto_table_construction: ATC }));

/** osqueryi in the temp dir, so the config's relative paths resolve there. */
function shell(sql: string, extra: string[] = []) {
  return osq(["--config_path=atc.conf", "--json", ...extra, sql], { cwd: dir, env });
}

function rows(sql: string): Record<string, string>[] {
  const r = shell(sql);
  if (r.code !== 0) throw new Error(`osqueryi failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>[];
}

describe("auto_table_construction in osqueryi", () => {
  test("a table over a SQLite file named by a relative path: TEXT values as osquery gives them, and the file's path", () => {
    expect(rows("SELECT * FROM fruit_basket")).toEqual([
      { name: "apple", count: "3", weight: "0.250000", note: "", path: join(dir, "fruit.db") },
      { name: "pear", count: "5", weight: "1.500000", note: "ripe", path: join(dir, "fruit.db") },
      // A blob is read as text up to its first NUL byte.
      { name: "fig", count: "12", weight: "2.000000", note: "jam", path: join(dir, "fruit.db") },
    ]);
  });

  test("is queried like any table: filters, joins with built-in tables, .schema, osquery_registry", () => {
    expect(rows("SELECT f.name, p.pid FROM fruit_basket f JOIN processes p ON p.pid = 1 WHERE f.name = 'pear'")).toEqual([{ name: "pear", pid: "1" }]);
    const schema = osq(["--config_path=atc.conf", ".schema fruit_basket"], { cwd: dir, env });
    expect(schema.stdout).toBe("CREATE TABLE fruit_basket(`name` TEXT, `count` TEXT, `weight` TEXT, `note` TEXT, `path` TEXT);\n");
    const registry = rows("SELECT name FROM osquery_registry WHERE registry = 'table' AND name IN ('fruit_basket', 'shop_stock', 'bad_query', 'no_columns', 'mac_only') ORDER BY name");
    expect(registry.map((r) => r.name)).toEqual(["bad_query", "fruit_basket", "shop_stock"]);
    const tables = osq(["--config_path=atc.conf", ".tables shop"], { cwd: dir, env });
    expect(tables.stdout).toBe("  => shop_stock\n");
  });

  test("a path with % wildcards reads every file it matches", () => {
    expect(rows("SELECT item, qty, path FROM shop_stock ORDER BY qty")).toEqual([
      { item: "plum", qty: "7", path: join(dir, "shops", "north.sqlite") },
      { item: "plum", qty: "9", path: join(dir, "shops", "south.sqlite") },
    ]);
  });

  test("a declared path column is the query's own, with osquery's warnings", () => {
    const r = shell("SELECT * FROM own_path");
    expect(JSON.parse(r.stdout)).toEqual([{ name: "fig", Path: "" }]);
    expect(r.stderr).toContain("ATC Table: own_path is misconfigured. The configuration includes `Path`. This is a reserved column name");
    expect(r.stderr).toContain("ATC Table: Row contains a defined path key, omitting the implicit one");
  });

  test("a bad query, a file that is not a database, or a writing statement gives no rows and one warning", () => {
    const bad = shell("SELECT * FROM bad_query");
    expect(bad.code).toBe(0);
    expect(bad.stdout).toBe("[\n\n]\n");
    expect(bad.stderr).toMatch(new RegExp(`^W.*ATC Table: Error Code: 1 Could not generate data: Could not prepare database for path ${join(dir, "fruit.db")}$`, "m"));
    const file = shell("SELECT * FROM bad_file");
    expect(file.stdout).toBe("[\n\n]\n");
    expect(file.stderr).toContain(`ATC Table: Error Code: 26 Could not generate data: Could not prepare database for path ${join(dir, "not_a.db")}`);
    const size = statSync(join(dir, "fruit.db")).size;
    const writer = shell("SELECT * FROM writer");
    expect(writer.stdout).toBe("[\n\n]\n");
    expect(writer.stderr).toContain("ATC Table: Error Code: 23 Could not generate data: Could not prepare database");
    expect(rows("SELECT count(*) AS n FROM fruit_basket")).toEqual([{ n: "3" }]);
    expect(statSync(join(dir, "fruit.db")).size).toBe(size);
  });

  test("misconfigured entries are skipped with osquery's warnings; a built-in name is refused; another platform's table is left out", () => {
    const r = shell("SELECT pid FROM processes WHERE pid = 1", ["--verbose"]);
    expect(JSON.parse(r.stdout)).toEqual([{ pid: "1" }]);
    expect(r.stderr).toMatch(/^W.*ATC Table: Skipping no_columns because it is misconfigured \(no columns\)$/m);
    expect(r.stderr).toMatch(/^W.*ATC Table: Skipping no_query because it is misconfigured \(missing query or path\)$/m);
    expect(r.stderr).toMatch(/^W.*ATC Table: processes overrides core table; Refusing registration$/m);
    expect(r.stderr).toMatch(/^I.*ATC table: Skipping mac_only because platform doesn't match$/m);
    expect(r.stderr).toMatch(/^I.*ATC table: fruit_basket Registered$/m);
    expect(shell("SELECT * FROM mac_only").stderr).toContain("no such table: mac_only");
  });

  test("a database in WAL mode is read while a writer holds it open", () => {
    const path = join(dir, "wal.db");
    const writer = new Database(path, { create: true });
    writer.run("PRAGMA journal_mode=WAL");
    writer.run("CREATE TABLE t (v TEXT)");
    writer.run("INSERT INTO t VALUES ('fresh')");
    try {
      const conf = join(dir, "wal.conf");
      writeFileSync(conf, JSON.stringify({ auto_table_construction: { wal_table: { query: "SELECT v FROM t", path, columns: ["v"] } } }));
      const r = osq([`--config_path=${conf}`, "--json", "SELECT v, path FROM wal_table"], { env });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual([{ v: "fresh", path }]);
    } finally {
      writer.close();
    }
  });
});

describe("auto_table_construction in osqueryd", () => {
  test("a scheduled query reads the table the config builds, from a path relative to the daemon's working directory", async () => {
    const conf = join(dir, "daemon.conf");
    writeFileSync(conf, JSON.stringify({
      auto_table_construction: { fruit_basket: ATC.fruit_basket },
      // Every ATC column is TEXT, so a numeric comparison needs a cast, as in osquery.
      schedule: { ripe: { query: "SELECT name, count FROM fruit_basket WHERE CAST(count AS INTEGER) > 4", interval: 1, snapshot: true } },
    }));
    const logs = join(dir, "logs");
    const proc = Bun.spawn(
      [OSQUERYD, `--config_path=${conf}`, `--database_path=${join(dir, "osquery.db")}`, `--logger_path=${logs}`, `--pidfile=${join(dir, "osqueryd.pid")}`, "--disable_watchdog", "--schedule_timeout=3"],
      { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } },
    );
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).not.toMatch(/^[WE].*ATC/m);
    expect(code).toBe(0);
    const snapshots = join(logs, "osqueryd.snapshots.log");
    expect(existsSync(snapshots)).toBe(true);
    const first = JSON.parse(readFileSync(snapshots, "utf8").split("\n")[0]!) as { name: string; snapshot: Record<string, string>[] };
    expect(first.name).toBe("ripe");
    expect(first.snapshot).toEqual([
      { count: "5", name: "pear" },
      { count: "12", name: "fig" },
    ]);
  }, 60_000);

  test("--config_check accepts a config with auto_table_construction", () => {
    const r = osq(["--config_path=atc.conf", "--config_check", `--database_path=${join(dir, "check.db")}`], { bin: OSQUERYD, cwd: dir, env });
    expect(r.code).toBe(0);
  });
});
