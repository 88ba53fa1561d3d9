// Live queries on the compiled dist/osqueryd, everything in a temp dir. Until
// the TLS client lands, the remote session fails every request: the daemon
// must keep running, say why once per failed read (no flood), and go on
// running its schedule. An unknown distributed plugin stops it as osquery does.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, osq, query } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-e2e-distributed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function daemonArgs(name: string, extra: string[]): string[] {
  const config = join(dir, `${name}.conf`);
  writeFileSync(config, JSON.stringify({ schedule: { one: { query: "SELECT 1 AS one", interval: 1, snapshot: true } } }));
  return [
    `--config_path=${config}`,
    `--database_path=${join(dir, `${name}.db`)}`,
    `--logger_path=${join(dir, `${name}-logs`)}`,
    `--pidfile=${join(dir, `${name}.pid`)}`,
    "--disable_watchdog",
    ...extra,
  ];
}

describe("--distributed_plugin=tls in the daemon", () => {
  test("with no server to reach, the daemon keeps running: one status line per failed read, and the schedule runs", () => {
    const t0 = Date.now();
    const r = osq(
      daemonArgs("unreachable", [
        "--disable_distributed=false",
        "--distributed_plugin=tls",
        "--distributed_interval=1",
        "--distributed_tls_read_endpoint=/api/v1/osquery/distributed/read",
        "--distributed_tls_write_endpoint=/api/v1/osquery/distributed/write",
        "--schedule_timeout=3",
      ]),
      { bin: OSQUERYD },
    );
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).toBe(0);
    const failures = r.stderr.split("\n").filter((l) => l.includes("Distributed read failed: "));
    // One read at start, then one a second for about three seconds.
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const results = readFileSync(join(dir, "unreachable-logs", "osqueryd.snapshots.log"), "utf8").trim().split("\n");
    expect(results.length).toBeGreaterThanOrEqual(2);
  });

  test("turned on by the config's options as Fleet serves them (a JSON boolean and number)", () => {
    const config = join(dir, "fleet-options.conf");
    writeFileSync(config, JSON.stringify({ options: { disable_distributed: false, distributed_interval: 1 }, schedule: {} }));
    const r = osq([...daemonArgs("options", []).filter((a) => !a.startsWith("--config_path=")), `--config_path=${config}`, "--schedule_timeout=2"], { bin: OSQUERYD });
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.includes("Distributed read failed: ")).length).toBeGreaterThanOrEqual(2);
  });

  test("distributed queries off (the default): no read is tried", () => {
    const r = osq(daemonArgs("off", ["--distributed_interval=1", "--schedule_timeout=2"]), { bin: OSQUERYD });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("Distributed read failed");
  });

  test("an unknown distributed plugin stops the daemon with osquery's message and exit code 78", () => {
    const r = osq(daemonArgs("unknown", ["--disable_distributed=false", "--distributed_plugin=nope", "--schedule_timeout=2"]), { bin: OSQUERYD });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("Cannot activate nope distributed plugin: Unknown registry plugin: nope");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

test("osquery_registry lists the tls distributed plugin, active as --distributed_plugin says", () => {
  const sql = "SELECT name, active FROM osquery_registry WHERE registry = 'distributed'";
  expect(query(sql)).toEqual([{ name: "tls", active: "1" }]);
  expect(query(sql, ["--distributed_plugin=other"])).toEqual([{ name: "tls", active: "0" }]);
});
