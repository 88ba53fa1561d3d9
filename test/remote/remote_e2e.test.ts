// Issue 8 end to end: the compiled dist/osqueryd with the tls logger, live
// queries and carving against test/remote/server.ts (HTTPS on 127.0.0.1).
// What the server recorded is what went on the wire; the filesystem logger,
// run beside the tls one, is the list of lines the daemon produced.
//
// The outage is 60 s; here it is 20 s to keep CI short, with the
// back-off cap lowered so the schedule still shows within it.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { OSQUERYD, ROOT } from "../helpers.ts";
import { tool } from "../tools.ts";
import { startServer, type RecordedRequest, type TestServer } from "./server.ts";
import { remoteFixture, tlsDaemonArgv } from "./fixture.ts";

const remote = remoteFixture("osq-rte2e-");
const server = (opts: Parameters<typeof remote.server>[0] = {}) => remote.server(opts);
const tempDir = () => remote.tempDir();

interface Daemon {
  readonly proc: Bun.Subprocess<"ignore", "ignore", "pipe">;
  readonly stderr: Promise<string>;
}

/** osqueryd with the tls config and tls+filesystem loggers pointed at `srv`; runs until --schedule_timeout or a kill. */
function spawnDaemon(srv: TestServer, dir: string, seconds: number, extra: string[]): Daemon {
  const argv = tlsDaemonArgv(srv, dir, seconds, ["--logger_plugin=filesystem,tls", "--host_identifier=specified", "--specified_identifier=rte2e", ...extra]);
  const proc = remote.track(Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" }));
  return { proc, stderr: new Response(proc.stderr).text() };
}

async function finished(d: Daemon, ms: number): Promise<{ code: number; stderr: string }> {
  const kill = setTimeout(() => d.proc.kill("SIGKILL"), ms);
  const [stderr, code] = await Promise.all([d.stderr, d.proc.exited]);
  clearTimeout(kill);
  return { code, stderr };
}

/** The result lines the filesystem logger wrote, as objects. */
function fileResults(dir: string): Record<string, unknown>[] {
  const path = join(dir, "osqueryd.results.log");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function logRequests(srv: TestServer, type?: "result" | "status"): RecordedRequest[] {
  return srv.requestsTo("log").filter((r) => type === undefined || r.body?.log_type === type);
}

/** The lines of the log requests the server accepted (answered 200), in arrival order. */
function delivered(reqs: readonly RecordedRequest[]): Record<string, unknown>[] {
  return reqs.flatMap((r) => (r.body?.data ?? []) as Record<string, unknown>[]);
}

const key = (o: unknown) => JSON.stringify(o);

// A value that changes every second: each run logs an added and a removed line.
const TICK = { query: "SELECT CAST(strftime('%s','now') AS TEXT) AS t, 'tick' AS kind", interval: 1 };

describe("tls logger delivery", () => {
  test("results and statuses as osquery's objects, in separate requests, ≤ max_lines, gzipped", async () => {
    const srv = server();
    srv.config = { schedule: { tick: TICK } };
    const dir = tempDir();
    const run = await finished(spawnDaemon(srv, dir, 6, ["--logger_tls_period=1", "--logger_tls_max_lines=3", "--logger_tls_compress"]), 40_000);
    expect(run.code).toBe(0);
    const logs = logRequests(srv);
    expect(logs.length).toBeGreaterThan(2);
    for (const r of logs) {
      expect(r.gzipped).toBe(true);
      expect(r.headers["content-encoding"]).toBe("gzip");
      expect(r.headers.authorization).toBe(`NodeKey ${srv.nodeKeys.at(-1)!}`);
      expect(Object.keys(r.body!).sort()).toEqual(["data", "log_type", "node_key"]);
      expect(["result", "status"]).toContain(r.body!.log_type as string);
      const data = r.body!.data as unknown[];
      expect(Array.isArray(data)).toBe(true);
      expect(data.length).toBeGreaterThan(0);
      expect(data.length).toBeLessThanOrEqual(3);
      for (const o of data) expect(typeof o).toBe("object");
    }
    // Every result the daemon produced, once and in order, as the filesystem logger wrote it.
    const produced = fileResults(dir);
    expect(produced.length).toBeGreaterThan(4);
    expect(delivered(logRequests(srv, "result")).map(key)).toEqual(produced.map(key));
    const statuses = delivered(logRequests(srv, "status"));
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) {
      expect(Object.keys(s).slice(0, 8)).toEqual(["hostIdentifier", "calendarTime", "unixTime", "severity", "filename", "line", "message", "version"]);
      expect(s.hostIdentifier).toBe("rte2e");
      expect(typeof s.severity).toBe("number");
    }
    for (const r of delivered(logRequests(srv, "result"))) expect(r.name).toBe("tick");
  }, 60_000);
});

describe("tls logger and node_invalid", () => {
  for (const style of ["fleet", "osctrl"] as const) {
    test(`${style}: a log request refused as node_invalid enrolls again and the batch goes with the new key`, async () => {
      const srv = server({ style });
      srv.config = { schedule: { tick: TICK } };
      const dir = tempDir();
      const d = spawnDaemon(srv, dir, 7, ["--logger_tls_period=1"]);
      await srv.waitFor((r) => r.some((x) => x.endpoint === "log"), 20_000, "a first log request");
      srv.nodeInvalidNext = 1;
      const run = await finished(d, 40_000);
      expect(run.code).toBe(0);
      expect(srv.nodeKeys).toEqual(["node-key-1", "node-key-2"]);
      const logs = logRequests(srv);
      expect(logs.every((r) => r.path === srv.paths.log)).toBe(true);
      expect(logs.at(-1)!.body!.node_key).toBe("node-key-2");
      // The refused request's lines are not lost: they went again, after the new enrollment.
      const refused = srv.requests.findIndex((x) => x.endpoint === "enroll" && x !== srv.requestsTo("enroll")[0]) - 1;
      expect(srv.requests[refused]!.endpoint).toBe("log");
      const accepted = logs.filter((r) => r !== srv.requests[refused]);
      expect(delivered(accepted.filter((r) => r.body?.log_type === "result")).map(key)).toEqual(fileResults(dir).map(key));
    }, 60_000);
  }
});

describe("tls logger edges", () => {
  test("snapshots go as results; a line above --logger_tls_max_linesize is dropped with a warning, its batch still goes", async () => {
    const srv = server();
    srv.config = {
      schedule: {
        snap: { query: "SELECT 'snapshot' AS s", interval: 1, snapshot: true },
        big: { query: "SELECT printf('%.3000c', 'x') AS b", interval: 1 },
      },
    };
    const dir = tempDir();
    const run = await finished(spawnDaemon(srv, dir, 4, ["--logger_tls_period=1", "--logger_tls_max_linesize=1000"]), 40_000);
    expect(run.code).toBe(0);
    const results = delivered(logRequests(srv, "result"));
    const snaps = results.filter((r) => r.name === "snap");
    expect(snaps.length).toBeGreaterThan(0);
    expect(snaps[0]!.action).toBe("snapshot");
    expect(results.filter((r) => r.name === "big")).toEqual([]);
    const messages = delivered(logRequests(srv, "status")).map((s) => s.message as string);
    expect(messages.some((m) => /^Linesize exceeds TLS logger maximum: \d+$/.test(m))).toBe(true);
  }, 60_000);

  test("SIGTERM while a log request hangs: the daemon exits promptly and the lines go on the next start", async () => {
    const srv = server();
    srv.config = { schedule: { tick: TICK } };
    const dir = tempDir();
    const flags = ["--logger_tls_period=1"];
    const d = spawnDaemon(srv, dir, 30, flags);
    await srv.waitFor((r) => r.some((x) => x.endpoint === "log" && x.body?.log_type === "result"), 20_000, "a first result batch");
    srv.stall.add("log");
    const from = srv.requests.length;
    await srv.waitFor((r) => r.slice(from).some((x) => x.endpoint === "log"), 20_000, "a stalled log request");
    const t0 = Date.now();
    d.proc.kill("SIGTERM");
    const run = await finished(d, 30_000);
    expect(run.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8_000);
    srv.stall.delete("log");
    const restart = srv.requests.length;
    expect((await finished(spawnDaemon(srv, dir, 3, flags), 40_000)).code).toBe(0);
    const got = new Set(delivered(srv.requests.slice(0, from).concat(srv.requests.slice(restart)).filter((r) => r.endpoint === "log" && r.body?.log_type === "result")).map(key));
    expect(fileResults(dir).map(key).filter((l) => !got.has(l))).toEqual([]);
  }, 90_000);
});

describe("outage", () => {
  test("a 20 s outage (HTTP 500): every line arrives once, in order, with back-off instead of a storm", async () => {
    const srv = server();
    srv.config = { schedule: { tick: TICK } };
    const dir = tempDir();
    // Back-off 1, 4, 8, 8 … s after failures (period 1, cap 8).
    const d = spawnDaemon(srv, dir, 34, ["--logger_tls_period=1", "--logger_tls_backoff_max=8", "--logger_tls_max_lines=5"]);
    await srv.waitFor((r) => r.some((x) => x.endpoint === "log" && x.body?.log_type === "result"), 20_000, "a first result batch");
    await Bun.sleep(1500);
    srv.fail.add("log");
    const downFrom = srv.requests.length;
    await Bun.sleep(20_000);
    const during = srv.requests.slice(downFrom).filter((r) => r.endpoint === "log");
    srv.fail.delete("log");
    const run = await finished(d, 60_000);
    expect(run.code).toBe(0);
    // Per type: attempts at about 0, 1, 5, 13 s (+8 …) into the outage: at most 5 in 20 s, where no back-off would send 20.
    for (const type of ["result", "status"] as const) {
      const n = during.filter((r) => r.body?.log_type === type).length;
      expect({ type, n, ok: n <= 5 }).toEqual({ type, n, ok: true });
    }
    expect(during.filter((r) => r.body?.log_type === "result").length).toBeGreaterThanOrEqual(3);
    const accepted = srv.requests.filter((r, i) => r.endpoint === "log" && !(i >= downFrom && during.includes(r)));
    const produced = fileResults(dir);
    // The outage's results were produced (20 s at 1 s: at least 30 lines) and all came after it.
    expect(produced.length).toBeGreaterThan(30);
    expect(delivered(accepted.filter((r) => r.body?.log_type === "result")).map(key)).toEqual(produced.map(key));
    const statuses = delivered(accepted.filter((r) => r.body?.log_type === "status")).map(key);
    expect(new Set(statuses).size).toBe(statuses.length);
    const times = delivered(accepted.filter((r) => r.body?.log_type === "status")).map((s) => s.unixTime as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(statuses.some((s) => s.includes("TLS logger could not send result logs"))).toBe(true);
    expect(statuses.some((s) => s.includes("TLS logger is sending result logs again"))).toBe(true);
  }, 90_000);

  test("kill -9 during a stalled batch, then a restart: nothing missing, only that batch repeated", async () => {
    const srv = server();
    srv.config = { schedule: { tick: TICK } };
    const dir = tempDir();
    const flags = ["--logger_tls_period=1", "--logger_tls_max_lines=4"];
    const first = spawnDaemon(srv, dir, 30, flags);
    await srv.waitFor((r) => r.filter((x) => x.endpoint === "log" && x.body?.log_type === "result").length >= 2, 20_000, "two result batches");
    srv.stall.add("log");
    const stalledFrom = srv.requests.length;
    await srv.waitFor((r) => r.slice(stalledFrom).some((x) => x.endpoint === "log" && x.body?.log_type === "result"), 20_000, "a stalled result batch");
    await Bun.sleep(300);
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const stalled = srv.requests.slice(stalledFrom).filter((r) => r.endpoint === "log");
    expect(delivered(stalled.filter((r) => r.body?.log_type === "result")).length).toBeGreaterThan(0);
    const before = srv.requests.slice(0, stalledFrom).filter((r) => r.endpoint === "log");
    srv.stall.delete("log");
    const restartFrom = srv.requests.length;
    const second = await finished(spawnDaemon(srv, dir, 5, flags), 40_000);
    expect(second.code).toBe(0);
    const after = srv.requests.slice(restartFrom).filter((r) => r.endpoint === "log");
    const got = delivered([...before, ...after].filter((r) => r.body?.log_type === "result")).map(key);
    const produced = fileResults(dir).map(key);
    // Nothing the daemon wrote is missing.
    const gotSet = new Set(got);
    expect(produced.filter((l) => !gotSet.has(l))).toEqual([]);
    // A line seen twice was in the batch the kill interrupted.
    const stalledLines = new Set(delivered(stalled).map(key));
    const seen = new Set<string>();
    const repeats: string[] = [];
    for (const l of [...delivered(before).map(key), ...delivered(stalled).map(key), ...delivered(after).map(key)]) {
      if (seen.has(l)) repeats.push(l);
      seen.add(l);
    }
    expect(repeats.filter((l) => !stalledLines.has(l))).toEqual([]);
    // And the stalled batch's lines did arrive once the daemon came back.
    const afterLines = new Set(delivered(after).map(key));
    expect([...stalledLines].filter((l) => !afterLines.has(l))).toEqual([]);
  }, 90_000);
});

describe("--buffered_log_max", () => {
  test("with the server down, the oldest lines go and one status line says how many", async () => {
    const srv = server();
    srv.config = { schedule: { tick: TICK } };
    const dir = tempDir();
    srv.fail.add("log");
    const d = spawnDaemon(srv, dir, 9, ["--logger_tls_period=1", "--logger_tls_backoff_max=1", "--buffered_log_max=10", "--logger_tls_max_lines=1000"]);
    await Bun.sleep(6000);
    // Requests recorded from here on are answered normally.
    const recovered = srv.requestsTo("log").length;
    srv.fail.delete("log");
    const run = await finished(d, 40_000);
    expect(run.code).toBe(0);
    const accepted = srv.requestsTo("log").slice(recovered);
    const produced = fileResults(dir).map(key);
    const got = delivered(accepted.filter((r) => r.body?.log_type === "result")).map(key);
    expect(produced.length).toBeGreaterThan(10);
    // What was dropped is the oldest: the lines received are the newest ones, in order.
    expect(got.length).toBeLessThan(produced.length);
    expect(got).toEqual(produced.slice(produced.length - got.length));
    const statuses = delivered(accepted.filter((r) => r.body?.log_type === "status")).map((s) => s.message as string);
    const purges = statuses.filter((m) => /^Purging buffered logs limit \(10\) exceeded: \d+; the \d+ oldest lines were dropped$/.test(m));
    expect(purges.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("live queries", () => {
  for (const style of ["fleet", "osctrl"] as const) {
    test(`${style}: a good and an erroring query behind a discovery gate, answered within two intervals after node_invalid`, async () => {
      const srv = server({ style });
      srv.config = { schedule: {} };
      const dir = tempDir();
      const d = spawnDaemon(srv, dir, 12, ["--disable_distributed=false", "--distributed_interval=2", "--distributed_tls_max_attempts=3", "--logger_plugin=filesystem"]);
      await srv.waitFor((r) => r.some((x) => x.endpoint === "read"), 20_000, "a first distributed read");
      // The next authenticated request is refused as node_invalid: the agent enrolls again and carries on.
      srv.nodeInvalidNext = 1;
      srv.distributed = {
        queries: { good: "SELECT 1 AS n, 'x' AS s, 2.5 AS f, NULL AS z, 1.0 AS r, 'a\"b' AS q", bad: "SELECT * FROM no_such_table_rte2e", gated: "SELECT 3 AS never" },
        discovery: { gated: "SELECT 1 WHERE 0" },
      };
      const sentAt = Date.now();
      await srv.waitFor((r) => r.some((x) => x.endpoint === "write" && x.body?.node_key === srv.nodeKeys.at(-1)), 4_500, "a distributed write within two intervals");
      const answeredMs = Date.now() - sentAt;
      expect(answeredMs).toBeLessThan(4_500);
      d.proc.kill("SIGTERM");
      await finished(d, 20_000);
      expect(srv.nodeKeys.length).toBe(2);
      // The refused request was a distributed read (no other plugin talks to the server here).
      const second = srv.requests.findIndex((x) => x.endpoint === "enroll" && x !== srv.requestsTo("enroll")[0]);
      expect(srv.requests[second - 1]!.endpoint).toBe("read");
      expect(srv.requests[second + 1]!.endpoint).toBe("read");
      const write = srv.requestsTo("write").find((x) => x.body?.node_key === "node-key-2")!;
      expect(write.path).toBe(srv.paths.write);
      const body = write.body!;
      expect(Object.keys(body.queries as object).sort()).toEqual(["bad", "good"]);
      expect(body.queries).toEqual({ good: [{ n: "1", s: "x", f: "2.5", z: "", r: "1.0", q: 'a"b' }], bad: [] });
      // The SELECT's column order, not sorted; a real keeps its ".0".
      expect(write.raw).toContain(`"good":[{"n":"1","s":"x","f":"2.5","z":"","r":"1.0","q":"a\\"b"}]`);
      expect(body.statuses).toEqual({ good: 0, bad: 1 });
      const messages = body.messages as Record<string, string>;
      expect(messages.good).toBe("");
      expect(messages.bad).toContain("no such table");
      const stats = body.stats as Record<string, Record<string, unknown>>;
      for (const id of ["good", "bad"]) {
        expect(Object.keys(stats[id]!)).toEqual(["wall_time_ms", "user_time", "system_time", "memory"]);
        for (const v of Object.values(stats[id]!)) expect(Number.isSafeInteger(v) && (v as number) >= 0).toBe(true);
      }
      // Statuses are JSON integers (osctrl decodes them into ints, Fleet too).
      expect(write.raw).toMatch(/"statuses":\{"(good|bad)":[01],"(good|bad)":[01]\}/);
    }, 60_000);
  }
});

test("accelerate: the server's window makes the agent check in every 5 s instead of --distributed_interval", async () => {
  const srv = server();
  srv.config = { schedule: {} };
  srv.distributed = { queries: {}, accelerate: 60 };
  const dir = tempDir();
  const run = await finished(spawnDaemon(srv, dir, 7, ["--disable_distributed=false", "--distributed_interval=100", "--logger_plugin=filesystem"]), 40_000);
  expect(run.code).toBe(0);
  // At 0 and 5 s: two reads in 7 s, where the interval alone allows one.
  expect(srv.requestsTo("read").length).toBe(2);
}, 60_000);

test("decorations reach the tls logger's result and status lines", async () => {
  const srv = server();
  srv.config = { decorators: { load: ["SELECT 'deco-value' AS deco"] }, schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } };
  const dir = tempDir();
  const run = await finished(spawnDaemon(srv, dir, 3, ["--logger_tls_period=1"]), 40_000);
  expect(run.code).toBe(0);
  const results = delivered(logRequests(srv, "result"));
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) expect(r.decorations).toEqual({ deco: "deco-value" });
  // Status lines logged once the decorators ran carry them too.
  const statuses = delivered(logRequests(srv, "status"));
  expect(statuses.some((s) => (s.decorations as Record<string, string> | undefined)?.deco === "deco-value")).toBe(true);
}, 60_000);

/** README's "Joining a fleet" flagfile, with the test server's host, CA and secret in place of the example's. */
function fleetFlagfile(srv: TestServer, dir: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Joining a fleet"));
  const block = /```\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("README.md has no flagfile under \"Joining a fleet\"");
  const replace: Record<string, string> = {
    tls_hostname: srv.host,
    tls_server_certs: remote.pki.caFile,
    enroll_secret_path: srv.secretFile,
    // Shorter than a deployment's, to keep the test short.
    config_refresh: "2",
    logger_tls_period: "1",
    distributed_interval: "2",
    carver_block_size: "4096",
  };
  const lines = block[1]!
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [name] = l.replace(/^--/, "").split("=");
      return name! in replace ? `--${name}=${replace[name!]}` : l;
    });
  const file = join(dir, "fleet.flags");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/**
 * The "done when" run. Carves start on a minute boundary (osquery starts
 * pending carves every 60 scheduler ticks), so the daemon is started when the
 * file loads and runs past the next boundary while the other tests run; its
 * test, the last, waits for it. Only the server drives it: the live queries
 * are answered from the first distributed read.
 */
interface FleetRun {
  readonly srv: TestServer;
  readonly dir: string;
  readonly bytes: Buffer;
  readonly file: string;
  readonly code: number;
  readonly stderr: string;
  /** Milliseconds from the read that carried the live queries to the write that answered them. */
  readonly answeredMs: number;
}

function startFleetRun(): Promise<FleetRun> {
  const srv = startServer({ pki: remote.pki });
  const dir = mkdtempSync(join(tmpdir(), "osq-rte2e-fleet-"));
  mkdirSync(join(dir, "tmp"));
  const file = join(dir, "carved.bin");
  const bytes = randomBytes(10_000);
  writeFileSync(file, bytes);
  srv.config = { schedule: { fleet_tick: { query: "SELECT 'fleet' AS who", interval: 1 } } };
  srv.distributed = { queries: { live: "SELECT 'answer' AS a", carve: `SELECT * FROM carves WHERE carve = 1 AND path = '${file}'` } };
  // Past the next minute boundary that leaves time to enroll and read first, and a few seconds to upload.
  let toBoundary = 60 - (Math.floor(Date.now() / 1000) % 60);
  if (toBoundary < 6) toBoundary += 60;
  const p = Bun.spawn(
    [OSQUERYD, `--flagfile=${fleetFlagfile(srv, dir)}`, `--database_path=${join(dir, "db")}`, `--pidfile=${join(dir, "pid")}`, `--logger_path=${dir}`, "--disable_watchdog", `--schedule_timeout=${toBoundary + 6}`],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, TMPDIR: join(dir, "tmp") } },
  );
  const stderr = new Response(p.stderr).text();
  const kill = setTimeout(() => p.kill("SIGKILL"), (toBoundary + 40) * 1000);
  return (async () => {
    let answeredMs = Number.POSITIVE_INFINITY;
    try {
      await srv.waitFor((r) => r.some((x) => x.endpoint === "read"), 30_000, "a distributed read");
      const readAt = Date.now();
      await srv.waitFor((r) => r.some((x) => x.endpoint === "write"), 30_000, "the live query's answer");
      answeredMs = Date.now() - readAt;
    } finally {
      // One carve request is enough.
      srv.distributed = { queries: {} };
    }
    const code = await p.exited;
    clearTimeout(kill);
    return { srv, dir, bytes, file, code, stderr: await stderr, answeredMs };
  })();
}

let fleetRun: Promise<FleetRun> | null = null;
beforeAll(() => {
  fleetRun = startFleetRun();
  // Rejections are reported by the test that awaits it.
  fleetRun.catch(() => {});
});

test("done when: osqueryd with a Fleet flagfile enrolls, runs its config, ships logs, answers a live query and carves", async () => {
  if (!fleetRun) throw new Error("the Fleet run did not start");
  const { srv, dir, bytes, file, code, stderr, answeredMs } = await fleetRun;
  try {
    if (code !== 0) throw new Error(`osqueryd exited ${code}: ${stderr}`);
    // Within two --distributed_interval (2 s each).
    expect(answeredMs).toBeLessThan(4_500);
    // 1. Enrolled with the secret.
    expect(srv.requestsTo("enroll").length).toBe(1);
    expect(srv.requestsTo("enroll")[0]!.body!.enroll_secret).toBe(srv.secret);
    expect(srv.requestsTo("enroll")[0]!.path).toBe("/api/osquery/enroll");
    // 2. Ran its config (the tls logger shipped the scheduled query's results).
    expect(srv.requestsTo("config").length).toBeGreaterThanOrEqual(2);
    const results = delivered(logRequests(srv, "result"));
    expect(results.some((r) => r.name === "fleet_tick")).toBe(true);
    // 3. Shipped its status log too.
    expect(delivered(logRequests(srv, "status")).length).toBeGreaterThan(0);
    // 4. Answered the live query.
    const write = srv.requestsTo("write")[0]!.body!;
    expect((write.queries as Record<string, unknown>).live).toEqual([{ a: "answer" }]);
    expect((write.statuses as Record<string, unknown>).live).toBe(0);
    // 5. Carved: the blocks reassemble into a tar holding the file's bytes.
    const begin = srv.requestsTo("carve_begin")[0];
    if (!begin) throw new Error(`no carve began; stderr: ${stderr}`);
    const sessionId = `session-${srv.requests.indexOf(begin) + 1}`;
    const blocks = srv.requestsTo("carve_block").filter((r) => r.body?.session_id === sessionId);
    expect(blocks.length).toBe(begin.body!.block_count as number);
    const tarFile = join(dir, "upload.tar");
    writeFileSync(tarFile, Buffer.concat(blocks.map((b) => Buffer.from(b.body!.data as string, "base64"))));
    const member = join(dir, "tmp", `osquery_carve_${begin.body!.carve_id as string}`, file);
    const x = Bun.spawnSync([tool("tar", "tar"), "-xOf", tarFile, member], { stderr: "pipe" });
    expect(x.exitCode).toBe(0);
    expect(x.stdout.equals(bytes)).toBe(true);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 130_000);
