// osquery's start-up shortcuts in both roles (--config_check, --config_dump,
// --database_dump), the shell's quiet handling of a config it cannot read, and
// the config's schedule and packs shown by the shell's osquery_* tables.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { OSQUERYD, OSQUERYI, osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-shortcuts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = {
  schedule: { one: { query: "SELECT 1 AS one", interval: 1 } },
  packs: { extra: { queries: { packed: { query: "SELECT 'p' AS p", interval: 60 } } } },
};
const good = join(dir, "good.conf");
const bad = join(dir, "bad.conf");
const missing = join(dir, "missing.conf");
writeFileSync(good, JSON.stringify(CONFIG));
writeFileSync(bad, '{"schedule": ');

const ROLES = [
  ["osqueryi", OSQUERYI],
  ["osqueryd", OSQUERYD],
] as const;

describe.each(ROLES)("%s", (_role, bin) => {
  // The daemon would otherwise take /var/run's pidfile; none of the shortcuts should touch it.
  const run = (args: string[]) => osq([...args, `--pidfile=${join(dir, "never.pid")}`], { bin });

  test("--config_check: 0 for a good config; 1 with the error for bad JSON or a missing file", () => {
    expect(run(["--config_check", `--config_path=${good}`])).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const parse = run(["--config_check", `--config_path=${bad}`]);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toStartWith("Error reading config: Error parsing the config JSON");
    const absent = run(["--config_check", `--config_path=${missing}`]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toBe(`Error reading config: config file does not exist: ${missing}\n`);
  });

  test("an unknown --config_plugin is catastrophic (78) for every shortcut", () => {
    for (const flag of ["--config_check", "--config_dump", "--database_dump"]) {
      const r = run([flag, "--config_plugin=no_such_plugin", `--config_path=${good}`]);
      expect(r.code).toBe(78);
      expect(r.stderr).toContain("Cannot activate no_such_plugin config plugin");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  test("--config_dump prints {\"<path>\": <raw file>} and exits 0; a missing file is exit 1", () => {
    const raw = '{\n// kept as written\n"options": {"verbose": false}\n}';
    const path = join(dir, `dump-${_role}.conf`);
    writeFileSync(path, raw);
    expect(run(["--config_dump", `--config_path=${path}`])).toMatchObject({ code: 0, stdout: `{"${path}": ${raw}}\n` });
    const absent = run(["--config_dump", `--config_path=${missing}`]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toBe(`Error reading config: config file does not exist: ${missing}\n`);
  });
});

describe("--database_dump", () => {
  const db = join(dir, "osquery.db");
  // A real database: the daemon runs the schedule for a few seconds and stops.
  let daemon: { exitCode: number | null; stderr: Buffer } = { exitCode: null, stderr: Buffer.alloc(0) };
  beforeAll(() => {
    daemon = Bun.spawnSync(
      [
        OSQUERYD,
        `--config_path=${good}`,
        `--database_path=${db}`,
        `--pidfile=${join(dir, "osqueryd.pid")}`,
        `--logger_path=${join(dir, "logs")}`,
        "--disable_watchdog",
        "--schedule_timeout=3",
      ],
      { stderr: "pipe" },
    );
  });

  /** What osquery's dumpDatabase would print, read from LMDB directly, in osquery's domain order. */
  function expectedDump(): string {
    const env = open({ path: db, maxDbs: 16, readOnly: true });
    let out = "";
    for (const domain of ["configurations", "queries", "events", "logs", "carves", "distributed", "distributed_running", "query_performance", "query_analyses"]) {
      // Read-only: a domain osq never created is absent, as an empty column family would be.
      const sub = env.openDB({ name: domain, encoding: "string" }) as ReturnType<typeof env.openDB> | undefined;
      if (!sub) continue;
      for (const { key, value } of sub.getRange({})) out += `${domain}[${String(key)}]: ${String(value)}\n`;
    }
    env.close();
    return out;
  }

  test("the daemon wrote results", () => {
    expect(daemon.stderr.toString()).toContain("Storing initial results for new scheduled query: one");
    expect(daemon.exitCode).toBe(0);
  });

  test.each(ROLES)("%s prints every stored key as <domain>[<key>]: <value>, domain by domain", (_role, bin) => {
    const r = osq(["--database_dump", `--database_path=${db}`, `--config_path=${good}`, `--pidfile=${join(dir, "never.pid")}`], { bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const expected = expectedDump();
    expect(expected).toContain("queries[one]: ");
    expect(expected).toContain("query_performance[one]: ");
    expect(r.stdout).toBe(expected);
  });

  test("the shell without --database_path keeps no database: nothing to dump", () => {
    expect(osq(["--database_dump"])).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});

describe("the shell with --config_path", () => {
  test("a config it cannot read is a verbose-only message", () => {
    const quiet = osq([`--config_path=${missing}`, "select 1 as x"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    const loud = osq(["--verbose", `--config_path=${missing}`, "select 1 as x"]);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] Error reading config: config file does not exist: /m);
  });

  test("osquery_schedule and osquery_packs list the config's queries and packs, never executed", () => {
    const r = osq(["--json", `--config_path=${good}`, "select name, query, interval, executions, last_executed from osquery_schedule order by name"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([
      { executions: "0", interval: "1", last_executed: "0", name: "one", query: "SELECT 1 AS one" },
      { executions: "0", interval: "60", last_executed: "0", name: "pack_extra_packed", query: "SELECT 'p' AS p" },
    ]);
    const packs = osq(["--json", `--config_path=${good}`, "select name from osquery_packs order by name"]);
    expect(JSON.parse(packs.stdout)).toEqual([{ name: "extra" }, { name: "main" }]);
  });

  test("a pack's discovery is evaluated as the config loads: osquery_packs shows which packs are active", () => {
    const path = join(dir, "discovery.conf");
    writeFileSync(
      path,
      JSON.stringify({
        packs: {
          found: { discovery: ["SELECT 1"], queries: { q: { query: "SELECT 1", interval: 60 } } },
          absent: { discovery: ["SELECT 1 WHERE 0"], queries: { q: { query: "SELECT 1", interval: 60 } } },
        },
      }),
    );
    const r = osq(["--json", `--config_path=${path}`, "select name, active, discovery_executions, discovery_cache_hits from osquery_packs order by name"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([
      { active: "0", discovery_cache_hits: "0", discovery_executions: "1", name: "absent" },
      { active: "1", discovery_cache_hits: "0", discovery_executions: "1", name: "found" },
    ]);
  });
});
