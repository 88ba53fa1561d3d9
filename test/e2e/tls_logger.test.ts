// --logger_plugin=tls on the compiled dist/osqueryd, before the TLS client
// exists: every request fails as a transport error (src/remote/remote.ts's
// placeholder), so this is a server that cannot be reached. Every line the
// daemon produces must be in LMDB's `logs` domain (read here with lmdb-js,
// not osq's store), in production order, across a restart and a kill -9; the
// status lines say why sending fails, once per outage rather than per attempt.
// Everything lives in a temp dir.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { query } from "../helpers.ts";
import { DaemonFixture } from "../daemon_fixture.ts";

let d: DaemonFixture;
let dir: string;

beforeEach(() => {
  d = new DaemonFixture("osq-e2e-tlslog-");
  dir = d.dir;
  d.writeConfig({ schedule: { tick: { query: "select strftime('%s', 'now') as s", interval: 1 } } });
});

afterEach(() => d.cleanup());

const DB = () => d.path("osquery.db");

/** The daemon's command line (dist/osqueryd first): the tls logger beside the filesystem one, no watchdog. */
function argv(extra: string[] = []): string[] {
  return d.argv([
    "--logger_plugin=tls,filesystem",
    "--logger_tls_endpoint=/api/v1/osquery/log",
    "--logger_tls_period=1",
    "--host_identifier=specified",
    "--specified_identifier=e2e",
    "--disable_watchdog",
    ...extra,
  ]);
}

async function run(extra: string[]): Promise<{ code: number; stderr: string }> {
  const p = Bun.spawn(argv(extra), { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  return { code, stderr };
}

/** The `logs` domain as lmdb-js reads it: [key, value] in key order. */
async function buffered(): Promise<[string, string][]> {
  if (!existsSync(DB())) throw new Error(`the daemon left no database at ${DB()}`);
  const { open } = await import("lmdb");
  const env = open({ path: DB(), maxDbs: 16 });
  try {
    const logs = env.openDB({ name: "logs", encoding: "string" });
    const out: [string, string][] = [];
    for (const { key, value } of logs.getRange({})) out.push([String(key), String(value)]);
    return out;
  } finally {
    await env.close();
  }
}

function resultsFile(): string[] {
  const path = join(dir, "logs", "osqueryd.results.log");
  if (!existsSync(path)) throw new Error(`the filesystem logger wrote no ${path}`);
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

const results = (entries: [string, string][]) => entries.filter(([k]) => k.startsWith("tls_r_")).map(([, v]) => v);
const statuses = (entries: [string, string][]) =>
  entries.filter(([k]) => k.startsWith("tls_s_")).map(([, v]) => JSON.parse(v) as Record<string, unknown>);

describe("tls logger with no server configured", () => {
  test("osquery_registry lists logger tls", () => {
    expect(query("select name from osquery_registry where registry = 'logger'").map((r) => r.name)).toContain("tls");
  });

  test("every result line stays in LMDB across a restart, in production order, beside the filesystem log", async () => {
    const first = await run(["--schedule_timeout=3"]);
    expect(first.code).toBe(0);
    const afterFirst = await buffered();
    const firstResults = results(afterFirst);
    expect(firstResults.length).toBeGreaterThanOrEqual(3);
    // The same lines, in the same order, as the filesystem plugin wrote.
    expect(firstResults).toEqual(resultsFile());

    const second = await run(["--schedule_timeout=3"]);
    expect(second.code).toBe(0);
    const afterSecond = await buffered();
    const all = results(afterSecond);
    expect(all.length).toBeGreaterThan(firstResults.length);
    expect(all.slice(0, firstResults.length)).toEqual(firstResults);
    expect(all).toEqual(resultsFile());
    // Production order: unixTime never goes back, and each line is an object osquery would send.
    const times = all.map((l) => (JSON.parse(l) as { unixTime: number }).unixTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }, 60_000);

  test("status lines are osquery's records, say why sending fails, and are no flood", async () => {
    const r = await run(["--schedule_timeout=4"]);
    expect(r.code).toBe(0);
    const records = statuses(await buffered());
    expect(records.length).toBeGreaterThan(0);
    expect(Object.keys(records[0]!)).toEqual(["hostIdentifier", "calendarTime", "unixTime", "severity", "filename", "line", "message", "version"]);
    expect(records[0]!.hostIdentifier).toBe("e2e");
    const failures = records.filter((s) => String(s.message).includes("could not send"));
    // Five periods of failing sends of two types: one line per type, not one per attempt.
    expect(failures.length).toBe(2);
    // No --tls_hostname: the session cannot enroll, so nothing is sent and the reason says so.
    expect(String(failures[0]!.message)).toContain("/api/v1/osquery/log: TLS request not sent: enrollment failed");
    expect(r.stderr.split("\n").filter((l) => l.includes("could not send")).length).toBe(2);
  }, 60_000);

  test("a kill -9 loses no line: everything the filesystem log has is in LMDB", async () => {
    const p = Bun.spawn(argv(), { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
    const path = join(dir, "logs", "osqueryd.results.log");
    for (let i = 0; i < 100 && !(existsSync(path) && readFileSync(path, "utf8").split("\n").length > 3); i++) await Bun.sleep(100);
    p.kill(9);
    await p.exited;
    const fs = resultsFile();
    expect(fs.length).toBeGreaterThanOrEqual(3);
    // tls comes first in --logger_plugin: a kill between the two writes leaves LMDB a line ahead, never behind.
    expect(results(await buffered()).slice(0, fs.length)).toEqual(fs);
  }, 60_000);
});
