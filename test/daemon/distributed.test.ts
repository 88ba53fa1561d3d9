// Live queries (INTERFACES §8, FLEET.md §2) on an injected clock, through the
// tls plugin over a fake remote session that records every request and
// answers as each test says, with the real query engine and real LMDB.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { runQuery, type QueryResult } from "../../src/sql/engine.ts";
import { MemoryStore, openStore, type Store } from "../../src/store/store.ts";
import { err, ok, type Result } from "../../src/result.ts";
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { RemoteError, RemoteSession, RequestOptions } from "../../src/remote/session.ts";
import type { Clock } from "../../src/daemon/scheduler.ts";
import { DistributedRunner, type DistributedSettings } from "../../src/daemon/distributed.ts";
import { TlsDistributedPlugin } from "../../plugins/distributed/tls.ts";
import { FakeClock } from "../fake_clock.ts";
import { runtime } from "../../src/runtime.ts";
import { resourceLimitHitAfterQuery, superviseWorker } from "../../src/watchdog/worker.ts";

const READ = "/api/v1/osquery/distributed/read";
const WRITE = "/api/v1/osquery/distributed/write";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


type Reply = Result<JsonObject, RemoteError>;

/** Records requests; answers reads from `reads` (then `{}`) and writes with `writeReply`. */
class FakeSession implements RemoteSession {
  readonly requests: { endpoint: string; body: JsonObject; opts: RequestOptions | undefined }[] = [];
  reads: Reply[] = [];
  writeReply: Reply = ok({});
  async request(endpoint: string, body: JsonObject, opts?: RequestOptions): Promise<Reply> {
    this.requests.push({ endpoint, body: structuredClone(body), opts });
    if (endpoint === READ) return this.reads.shift() ?? ok({});
    return this.writeReply;
  }
  writes(): JsonObject[] {
    return this.requests.filter((r) => r.endpoint === WRITE).map((r) => r.body);
  }
}

interface Harness {
  runner: DistributedRunner;
  session: FakeSession;
  clock: FakeClock;
  lines: string[];
}

function harness(
  store: Store,
  opts: { clock?: FakeClock; settings?: Partial<DistributedSettings>; run?: (sql: string) => Promise<QueryResult>; attempts?: number; limitHit?: () => Promise<boolean> } = {},
): Harness {
  const session = new FakeSession();
  const clock = opts.clock ?? new FakeClock(1_700_000_000_000);
  const lines: string[] = [];
  const plugin = new TlsDistributedPlugin(session, () => ({ readEndpoint: READ, writeEndpoint: WRITE, maxAttempts: opts.attempts ?? 3 }));
  const runner = new DistributedRunner({
    plugin,
    store,
    clock,
    log: {
      info: (m) => lines.push(`I ${m}`),
      warning: (m) => lines.push(`W ${m}`),
      error: (m) => lines.push(`E ${m}`),
      verbose: (m) => lines.push(`V ${m}`),
    },
    runQuery: opts.run ?? ((sql) => runQuery(sql)),
    settings: () => ({ interval: 60, denylistDuration: 86400, ...opts.settings }),
    resourceLimitHit: opts.limitHit,
  });
  return { runner, session, clock, lines };
}

/** A database path in a fresh temp dir, removed after the file's tests: one worker's life, then the next's. */
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "osq-distributed-"));
  dirs.push(dir);
  return join(dir, "osquery.db");
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("a check-in", () => {
  test("reads, runs and writes rows in SELECT column order with string values, statuses, messages and stats", async () => {
    const h = harness(new MemoryStore(), { attempts: 7 });
    const pid = process.pid;
    h.session.reads.push(
      ok({
        queries: {
          literal: "SELECT 1 AS b, 'x' AS a, NULL AS n, 2.5 AS r, -3 AS c",
          self: `SELECT name, pid FROM processes WHERE pid = ${pid}`,
        },
      }),
    );
    await h.runner.checkIn();
    expect(h.session.requests.map((r) => [r.endpoint, r.opts?.attempts])).toEqual([
      [READ, 7],
      [WRITE, 7],
    ]);
    const body = h.session.writes()[0]!;
    expect(Object.keys(body)).toEqual(["queries", "statuses", "messages", "stats"]);
    const queries = body.queries as Record<string, JsonObject[]>;
    expect(queries.literal).toEqual([{ b: "1", a: "x", n: "", r: "2.5", c: "-3" }]);
    expect(Object.keys(queries.literal![0]!)).toEqual(["b", "a", "n", "r", "c"]);
    // The kernel's name for this process, read apart from osq.
    const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    expect(queries.self).toEqual([{ name: comm, pid: String(pid) }]);
    expect(body.statuses).toEqual({ literal: 0, self: 0 });
    expect(body.messages).toEqual({ literal: "", self: "" });
    const stats = body.stats as Record<string, JsonObject>;
    for (const id of ["literal", "self"]) {
      expect(Object.keys(stats[id]!)).toEqual(["wall_time_ms", "user_time", "system_time", "memory"]);
      for (const v of Object.values(stats[id]!)) expect(Number.isInteger(v) && (v as number) >= 0).toBe(true);
    }
  });

  test("an erroring query is answered with status 1 and SQLite's message; the good one beside it still runs", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(ok({ queries: { bad: "SELECT * FROM no_such_table_here", good: "SELECT 42 AS answer" } }));
    await h.runner.checkIn();
    const body = h.session.writes()[0]!;
    expect(body.statuses).toEqual({ bad: 1, good: 0 });
    expect(body.messages).toEqual({ bad: "no such table: no_such_table_here", good: "" });
    expect(body.queries).toEqual({ bad: [], good: [{ answer: "42" }] });
  });

  test("nothing to answer: no write", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(ok({}));
    await h.runner.checkIn();
    expect(h.session.requests.map((r) => r.endpoint)).toEqual([READ]);
  });
});

describe("discovery", () => {
  test("a query runs only when its discovery query returns rows; one without discovery runs", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(
      ok({
        queries: { yes: "SELECT 'yes' AS q", no: "SELECT 'no' AS q", free: "SELECT 'free' AS q" },
        discovery: { yes: "SELECT 1", no: "SELECT 1 WHERE 0" },
      }),
    );
    await h.runner.checkIn();
    const body = h.session.writes()[0]!;
    expect(body.queries).toEqual({ yes: [{ q: "yes" }], free: [{ q: "free" }] });
    expect(body.statuses).toEqual({ yes: 0, free: 0 });
  });

  test("a failing discovery query skips only the queries it gates, each with an error (osquery fails the whole read)", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(
      ok({
        queries: { gated: "SELECT 'gated' AS q", other: "SELECT 'other' AS q" },
        discovery: { gated: "SELECT no_such_function_xyz(1)", other: "SELECT 1" },
      }),
    );
    await h.runner.checkIn();
    const body = h.session.writes()[0]!;
    expect(body.queries).toEqual({ gated: [], other: [{ q: "other" }] });
    expect(body.statuses).toEqual({ gated: 1, other: 0 });
    const messages = body.messages as Record<string, string>;
    expect(messages.other).toBe("");
    expect(messages.gated).toBe("Distributed discovery query has an SQL error: no such function: no_such_function_xyz");
  });

  test("a query that is not a string is answered with an error; the others run", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(ok({ queries: { num: 5, empty: "", good: "SELECT 1 AS one" } }));
    await h.runner.checkIn();
    const body = h.session.writes()[0]!;
    expect(body.statuses).toEqual({ num: 1, empty: 1, good: 0 });
    expect((body.messages as Record<string, string>).num).toBe("Distributed query is not a string");
  });
});

describe("the loop's pace", () => {
  test("distributed_interval between check-ins; 5 s while accelerate lasts, persisted in configurations", async () => {
    const store = new MemoryStore();
    const h = harness(store, { settings: { interval: 30 } });
    expect(h.runner.pauseMs()).toBe(30_000);
    h.session.reads.push(ok({ queries: {}, accelerate: 12 }));
    await h.runner.checkIn();
    const start = Math.floor(h.clock.now() / 1000);
    expect(store.get("configurations", "distributed_accelerate_checkins_expire")).toBe(String(start + 12));
    expect(h.runner.pauseMs()).toBe(5000);
    h.clock.t += 12_000; // at the expiry second: still accelerated (osquery waits until now > expiry)
    expect(h.runner.pauseMs()).toBe(5000);
    h.clock.t += 1000;
    expect(h.runner.pauseMs()).toBe(30_000);
    expect(h.lines).toContain("I Accelerating distributed query checkins for 12 seconds");
  });

  test("distributed_interval=0 waits a second between check-ins, not a busy loop", () => {
    const h = harness(new MemoryStore(), { settings: { interval: 0 } });
    expect(h.runner.pauseMs()).toBe(1000);
  });

  test("run() sleeps the computed pause between check-ins and stops when told", async () => {
    const h = harness(new MemoryStore(), { settings: { interval: 10 } });
    h.session.reads.push(ok({ accelerate: 60 }), ok({}), err({ kind: "transport", message: "connection refused" }));
    let reads = 0;
    const original = h.session.request.bind(h.session);
    h.session.request = async (endpoint, body, opts) => {
      if (endpoint === READ && ++reads === 4) h.runner.stop();
      return original(endpoint, body, opts);
    };
    await h.runner.run();
    expect(h.clock.sleeps).toEqual([5000, 5000, 5000]);
  });

  test("a failed read is one status line per check-in, and the loop goes on", async () => {
    const h = harness(new MemoryStore());
    h.session.reads.push(err({ kind: "transport", message: "the TLS client is not built yet" }), err({ kind: "transport", message: "the TLS client is not built yet" }));
    await h.runner.checkIn();
    await h.runner.checkIn();
    expect(h.lines.filter((l) => !l.startsWith("V "))).toEqual([
      "W Distributed read failed: the TLS client is not built yet",
      "W Distributed read failed: the TLS client is not built yet",
    ]);
  });

  test("a failed write keeps the answers and sends them with the next write", async () => {
    const h = harness(new MemoryStore());
    h.session.writeReply = err({ kind: "rejected", message: "server said no" });
    h.session.reads.push(ok({ queries: { first: "SELECT 1 AS x" } }), ok({ queries: { second: "SELECT 2 AS x" } }));
    await h.runner.checkIn();
    expect(h.lines).toContain("W Distributed write failed, keeping the answers to 1 queries for the next check-in: server said no");
    h.session.writeReply = ok({});
    await h.runner.checkIn();
    await h.runner.checkIn();
    const writes = h.session.writes();
    expect(writes.length).toBe(2);
    expect(writes[1]!.queries).toEqual({ first: [{ x: "1" }], second: [{ x: "2" }] });
  });
});

describe("a query that kills the process", () => {
  const KILLER = "SELECT 'killer' AS q";

  test("is denylisted on the next start, answered with osquery's status and message, until distributed_denylist_duration passes", async () => {
    const path = dbPath();
    const clock = new FakeClock(1_700_000_000_000);

    // First life: the killer query never returns (the process dies inside it).
    let store = await openStore(path);
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = harness(store, {
      clock,
      run: (sql) => {
        if (sql === KILLER) {
          entered();
          return new Promise<QueryResult>(() => {});
        }
        return runQuery(sql);
      },
    });
    first.session.reads.push(ok({ queries: { live: KILLER } }));
    void first.runner.checkIn();
    await inside;
    expect(store.get("distributed_running", sha256(KILLER))).toBe(String(clock.t / 1000));
    expect(store.get("distributed", "live")).toBe(KILLER);
    await store.close();

    // Second life: the pending query is answered as denylisted without running, and so is the same SQL sent again.
    store = await openStore(path);
    let ranKiller = false;
    const second = harness(store, {
      clock,
      settings: { denylistDuration: 3600 },
      run: (sql) => {
        if (sql === KILLER) ranKiller = true;
        return runQuery(sql);
      },
    });
    second.session.reads.push(ok({ queries: { good: "SELECT 1 AS x" } }), ok({ queries: { again: KILLER } }));
    await second.runner.checkIn();
    let body = second.session.writes()[0]!;
    expect(body.statuses).toEqual({ good: 0, live: 1 });
    expect(body.messages).toEqual({ good: "", live: "distributed query is denylisted" });
    expect(store.get("distributed", "live")).toBeUndefined();
    await second.runner.checkIn();
    body = second.session.writes()[1]!;
    expect(body).toEqual({ queries: { again: [] }, statuses: { again: 1 }, messages: { again: "distributed query is denylisted" }, stats: { again: {} } });
    expect(ranKiller).toBe(false);

    // After the denylist duration the marker is cleared and the query runs again.
    clock.t += 3601 * 1000;
    second.session.reads.push(ok({}), ok({ queries: { later: KILLER } }));
    await second.runner.checkIn();
    expect(store.keys("distributed_running")).toEqual([]);
    await second.runner.checkIn();
    body = second.session.writes()[2]!;
    expect(body.queries).toEqual({ later: [{ q: "killer" }] });
    expect(ranKiller).toBe(true);
    await store.close();
  });
});

describe("a query during which the watchdog warns the worker of a resource limit (SIGUSR1)", () => {
  const HOG = "SELECT 'hog' AS q";

  test("keeps its marker and stays pending though it returned, is not answered, and the queries after it wait; the next worker answers it as denylisted and runs the others", async () => {
    const path = dbPath();
    const clock = new FakeClock(1_700_000_000_000);
    let stops = 0;
    // This process's real parent stands for the watcher, so the parent poll stays quiet; the signal is real.
    const end = superviseWorker(process.ppid, () => stops++);
    try {
      let store = await openStore(path);
      const first = harness(store, {
        clock,
        limitHit: resourceLimitHitAfterQuery,
        run: (sql) => {
          if (sql === HOG) {
            // The signal comes while the query holds the thread, as SQLite does: it is handled only after the query.
            process.kill(process.pid, "SIGUSR1");
            Bun.sleepSync(100);
          }
          return runQuery(sql);
        },
      });
      // LMDB lists keys in order: "a_hog" runs before "b_other".
      first.session.reads.push(ok({ queries: { a_hog: HOG, b_other: "SELECT 2 AS two" } }));
      await first.runner.checkIn();
      expect(stops).toBe(1);
      expect(store.get("distributed_running", sha256(HOG))).toBe(String(clock.t / 1000));
      expect(store.get("distributed", "a_hog")).toBe(HOG);
      expect(store.get("distributed", "b_other")).toBe("SELECT 2 AS two");
      expect(first.session.writes()).toEqual([]);
      await store.close();

      runtime.resourceLimitHit = false;
      store = await openStore(path);
      let ranHog = false;
      const second = harness(store, {
        clock,
        limitHit: resourceLimitHitAfterQuery,
        run: (sql) => {
          if (sql === HOG) ranHog = true;
          return runQuery(sql);
        },
      });
      await second.runner.checkIn();
      const body = second.session.writes()[0]!;
      expect(body.statuses).toEqual({ a_hog: 1, b_other: 0 });
      expect(body.messages).toEqual({ a_hog: "distributed query is denylisted", b_other: "" });
      expect(body.queries).toEqual({ a_hog: [], b_other: [{ two: "2" }] });
      expect(ranHog).toBe(false);
      expect(store.keys("distributed")).toEqual([]);
      await store.close();
    } finally {
      end();
      runtime.resourceLimitHit = false;
      runtime.watcherPid = -1;
    }
  });
});

describe("Fleet's Linux detail queries as Fleet sends them", () => {
  test("every query gets a discovery entry (SELECT 1 when it has none): each admitted one answers status 0 and \"\"; the gated-off ones are not answered", async () => {
    const { FLEET_LINUX_QUERIES } = await import("../e2e/fleet-queries.ts");
    const h = harness(new MemoryStore());
    const queries: JsonObject = {};
    const discovery: JsonObject = {};
    for (const q of FLEET_LINUX_QUERIES) {
      queries[`fleet_detail_query_${q.key}`] = q.sql;
      discovery[`fleet_detail_query_${q.key}`] = q.discovery ?? "SELECT 1";
    }
    h.session.reads.push(ok({ queries, discovery }));
    await h.runner.checkIn();
    const body = h.session.writes()[0]!;
    const statuses = body.statuses as Record<string, number>;
    const messages = body.messages as Record<string, string>;
    const failures = Object.keys(statuses).filter((id) => statuses[id] !== 0 || messages[id] !== "").map((id) => `${id}: ${messages[id]}`);
    expect(failures).toEqual([]);
    // The same gate the shell test (test/e2e/planner.test.ts) expects: osq lacks these tables, or is too new for the query.
    const answered = new Set(Object.keys(statuses));
    const gatedOff = FLEET_LINUX_QUERIES.map((q) => q.key).filter((k) => !answered.has(`fleet_detail_query_${k}`));
    expect(gatedOff.sort()).toEqual(["google_chrome_profiles", "kubequery_info", "orbit_info", "software_go_binaries", "software_linux_fleetd_pacman", "software_python_packages"]);
    for (const rows of Object.values(body.queries as Record<string, JsonObject[]>)) {
      for (const row of rows) for (const v of Object.values(row)) expect(typeof v).toBe("string");
    }
  });
});
