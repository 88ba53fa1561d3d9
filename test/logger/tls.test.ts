// The tls logger on a fake RemoteSession and an injected clock (no test
// waits): osquery's request body, batches of logger_tls_max_lines per type,
// lines kept until accepted, back-off per type, buffered_log_max, the line
// size limit, tls_disable_status_log, and nothing lost across a crash with a
// request in flight (a real LMDB file reopened).
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { Clock } from "../../src/daemon/scheduler.ts";
import type { StatusLine } from "../../src/logger/status.ts";
import { err, ok, type Result } from "../../src/result.ts";
import { backoffSeconds } from "../../src/remote/log_drain.ts";
import { LogBuffer } from "../../src/remote/log_buffer.ts";
import type { RemoteError, RemoteSession, RequestOptions } from "../../src/remote/session.ts";
import { MemoryStore, openStore, type Store, type StoreWriter } from "../../src/store/store.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import type { Config } from "../../src/daemon/config.ts";
import { NO_STARTUP_PRIORITY, Pack } from "../../src/daemon/packs.ts";
import { StatusLog } from "../../src/logger/status.ts";
import { runQuery } from "../../src/sql/engine.ts";
import { TlsLoggerPlugin, type TlsLoggerSettings } from "../../plugins/logger/tls.ts";
import { FakeClock } from "../fake_clock.ts";

interface Sent {
  readonly endpoint: string;
  readonly body: JsonObject;
  readonly opts: RequestOptions | undefined;
  readonly at: number;
}

type Answer = Result<JsonObject, RemoteError> | Promise<Result<JsonObject, RemoteError>> | "hang";

/** Records every request; answers with what `answer` says (success by default). */
class FakeSession implements RemoteSession {
  sent: Sent[] = [];
  answer: (body: JsonObject) => Answer = () => ok({});
  constructor(private readonly clock: Clock) {}
  request(endpoint: string, body: JsonObject, opts?: RequestOptions): Promise<Result<JsonObject, RemoteError>> {
    this.sent.push({ endpoint, body: structuredClone(body), opts, at: this.clock.now() });
    const a = this.answer(body);
    if (a === "hang") return new Promise(() => {});
    return a instanceof Promise ? a : Promise.resolve(a);
  }
  of(type: string): Sent[] {
    return this.sent.filter((s) => s.body.log_type === type);
  }
}


const DOWN: Answer = err({ kind: "transport", message: "connection refused" });

const BASE: TlsLoggerSettings = {
  endpoint: "/api/v1/osquery/log",
  periodSeconds: 4,
  maxLines: 1024,
  maxLineSize: 1024 * 1024,
  backoffMaxSeconds: 3600,
  compress: false,
  bufferedLogMax: 1_000_000,
  disableStatusLog: false,
  decorationsTopLevel: false,
};

interface Rig {
  plugin: TlsLoggerPlugin;
  session: FakeSession;
  clock: FakeClock;
  logged: { level: string; message: string }[];
  settings: { current: TlsLoggerSettings };
}

/**
 * A plugin as the daemon wires it: its own warnings and infos come back to it
 * as status lines (the daemon's status log feeds every logger plugin).
 */
function rig(store: Store = new MemoryStore(), over: Partial<TlsLoggerSettings> = {}, clock = new FakeClock()): Rig {
  const session = new FakeSession(clock);
  const logged: { level: string; message: string }[] = [];
  const settings = { current: { ...BASE, ...over } };
  let plugin: TlsLoggerPlugin | null = null;
  const feed = (level: string, severity: 0 | 1, message: string) => {
    logged.push({ level, message });
    if (level !== "verbose") plugin?.logStatus([{ severity, filename: "tls.ts", line: 0, message, time: clock.now() }]);
  };
  plugin = new TlsLoggerPlugin({
    session,
    store,
    clock,
    settings: () => settings.current,
    log: { info: (m) => feed("info", 0, m), warning: (m) => feed("warning", 1, m), verbose: (m) => feed("verbose", 0, m) },
    hostIdentifier: () => "host-a",
    decorations: () => new Map([["team", "blue"]]),
  });
  expect(plugin.setUp()).toBeNull();
  return { plugin, session, clock, logged, settings };
}

function result(n: number): string {
  return JSON.stringify({ name: "q", hostIdentifier: "host-a", unixTime: 1700000000 + n, counter: n, columns: { n: String(n) }, action: "added" });
}

function status(message: string, time = 1_700_000_000_123): StatusLine {
  return { severity: 1, filename: "config.ts", line: 42, message, time };
}

function counters(sent: readonly Sent[]): number[] {
  return sent.flatMap((s) => (s.body.data as { counter: number }[]).map((d) => d.counter));
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), "osq-tlslog-"));
  dirs.push(d);
  return join(d, "osquery.db");
}

describe("request body", () => {
  test("results are sent as parsed objects with log_type result, statuses apart as osquery's records", async () => {
    const r = rig();
    r.plugin.logString(result(0));
    r.plugin.logSnapshot(JSON.stringify({ snapshot: [{ a: "1" }], action: "snapshot", name: "s", counter: 0 }));
    r.plugin.logStatus([status("first"), status("second")]);
    await r.plugin.drainOnce();
    expect(r.session.sent.length).toBe(2);
    const [res, st] = [r.session.of("result")[0]!, r.session.of("status")[0]!];
    expect(res.endpoint).toBe("/api/v1/osquery/log");
    expect(res.opts?.compress).toBe(false);
    expect(Object.keys(res.body)).toEqual(["log_type", "data"]);
    expect(res.body.data).toEqual([JSON.parse(result(0)), { snapshot: [{ a: "1" }], action: "snapshot", name: "s", counter: 0 }]);
    const records = st.body.data as Record<string, unknown>[];
    expect(records.map((d) => d.message)).toEqual(["first", "second"]);
    expect(Object.keys(records[0]!)).toEqual(["hostIdentifier", "calendarTime", "unixTime", "severity", "filename", "line", "message", "version", "decorations"]);
    expect(records[0]).toMatchObject({
      hostIdentifier: "host-a",
      calendarTime: "Tue Nov 14 22:13:20 2023 UTC",
      unixTime: 1700000000,
      severity: 1,
      filename: "config.ts",
      line: 42,
      decorations: { team: "blue" },
    });
    expect(typeof records[0]!.version).toBe("string");
    expect(r.plugin.buffered).toBe(0);
  });

  test("--logger_tls_compress asks the session to gzip; decorations_top_level puts decorations beside the fields", async () => {
    const r = rig(new MemoryStore(), { compress: true, decorationsTopLevel: true });
    r.plugin.logStatus([status("x")]);
    await r.plugin.drainOnce();
    expect(r.session.sent[0]!.opts?.compress).toBe(true);
    const rec = (r.session.sent[0]!.body.data as Record<string, unknown>[])[0]!;
    expect(rec.team).toBe("blue");
    expect(rec.decorations).toBeUndefined();
  });
});

describe("batches", () => {
  test("a backlog goes in requests of logger_tls_max_lines, one after another, in production order", async () => {
    const r = rig(new MemoryStore(), { maxLines: 1024 });
    for (let i = 0; i < 2500; i++) r.plugin.logString(result(i));
    await r.plugin.drainOnce();
    expect(r.session.sent.map((s) => (s.body.data as unknown[]).length)).toEqual([1024, 1024, 452]);
    expect(counters(r.session.sent)).toEqual([...Array(2500).keys()]);
    expect(r.plugin.buffered).toBe(0);
  });

  test("a pass sends back to back for at most a period, then the loop sleeps a period: a slow server sets the pace", async () => {
    const r = rig(new MemoryStore(), { maxLines: 100, periodSeconds: 4 });
    // Each request takes the server 3 s.
    r.session.answer = () => {
      r.clock.t += 3000;
      return ok({});
    };
    for (let i = 0; i < 1000; i++) r.plugin.logString(result(i));
    const start = r.clock.t;
    await r.plugin.drainOnce();
    expect(r.session.sent.map((s) => (s.at - start) / 1000)).toEqual([0, 3]);
    await r.clock.sleep(4000);
    await r.plugin.drainOnce();
    expect(r.session.sent.map((s) => (s.at - start) / 1000)).toEqual([0, 3, 10, 13]);
    expect(counters(r.session.sent)).toEqual([...Array(400).keys()]);
    // Not a single request ever carries more than the batch size.
    expect(Math.max(...r.session.sent.map((s) => (s.body.data as unknown[]).length))).toBe(100);
  });

  test("a line leaves the buffer only when the server accepted its batch", async () => {
    const r = rig();
    for (let i = 0; i < 5; i++) r.plugin.logString(result(i));
    r.session.answer = () => err({ kind: "rejected", message: "server said error" });
    await r.plugin.drainOnce();
    // The five results stay, beside the warnings about both types failing.
    expect(r.plugin.buffered).toBe(7);
    r.session.answer = () => ok({});
    r.clock.t += 4000;
    await r.plugin.drainOnce();
    expect(counters(r.session.of("result"))).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(r.plugin.buffered).toBe(1); // the "sending again" info line, for the next pass
  });

  test("a line longer than logger_tls_max_linesize is dropped with osquery's warning; the rest go", async () => {
    const r = rig(new MemoryStore(), { maxLineSize: 400 });
    const long = JSON.stringify({ name: "q", counter: 1, columns: { big: "x".repeat(500) } });
    r.plugin.logString(result(0));
    r.plugin.logString(long);
    r.plugin.logString(result(2));
    await r.plugin.drainOnce();
    expect(counters(r.session.of("result"))).toEqual([0, 2]);
    expect(r.logged).toContainEqual({ level: "warning", message: `Linesize exceeds TLS logger maximum: ${long.length}` });
    const statuses = r.session.of("status").flatMap((s) => (s.body.data as { message: string }[]).map((d) => d.message));
    expect(statuses).toContain(`Linesize exceeds TLS logger maximum: ${long.length}`);
  });

  test("--tls_disable_status_log: status lines are neither kept nor sent", async () => {
    const r = rig(new MemoryStore(), { disableStatusLog: true });
    r.plugin.logStatus([status("nobody hears this")]);
    r.plugin.logString(result(0));
    await r.plugin.drainOnce();
    expect(r.session.sent.map((s) => s.body.log_type)).toEqual(["result"]);
    expect(r.plugin.buffered).toBe(0);
  });
});

describe("back-off", () => {
  test("osquery's schedule: period × n² after the n-th failure, capped at logger_tls_backoff_max", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffSeconds(n, 4, 60))).toEqual([4, 4, 16, 36, 60, 60]);
    // A cap no longer than the period disables back-off.
    expect(backoffSeconds(5, 4, 4)).toBe(4);
    expect(backoffSeconds(5, 4, 0)).toBe(4);
  });

  test("while the server is down, attempts follow the back-off, not every period; the first success resets it", async () => {
    const r = rig(new MemoryStore(), { periodSeconds: 4, backoffMaxSeconds: 60, disableStatusLog: true });
    const start = r.clock.t;
    r.session.answer = () => DOWN;
    r.plugin.logString(result(0));
    for (let tick = 0; tick * 4 <= 200; tick++) {
      await r.plugin.drainOnce();
      await r.clock.sleep(4000);
    }
    expect(r.session.sent.map((s) => (s.at - start) / 1000)).toEqual([0, 4, 20, 56, 116, 176]);
    r.session.answer = () => ok({});
    while (!r.session.sent.some((s) => s.at > start + 176_000)) {
      await r.plugin.drainOnce();
      await r.clock.sleep(4000);
    }
    const recovered = r.session.sent.length;
    r.plugin.logString(result(1));
    await r.plugin.drainOnce();
    expect(r.session.sent.length).toBe(recovered + 1);
  });

  test("results and statuses back off apart: a server that refuses one type still gets the other", async () => {
    const r = rig(new MemoryStore(), { periodSeconds: 1, backoffMaxSeconds: 3600 });
    r.session.answer = (body) => (body.log_type === "result" ? DOWN : ok({}));
    r.plugin.logString(result(0));
    for (let i = 0; i < 10; i++) {
      r.plugin.logStatus([status(`tick ${i}`)]);
      await r.plugin.drainOnce();
      await r.clock.sleep(1000);
    }
    expect(r.session.of("status").length).toBe(10);
    expect(r.session.of("result").length).toBe(3); // t=0, 1, 5 (then 9 s later: t=14)
  });

  test("an outage is one warning saying why, not one per attempt; recovery is one info line", async () => {
    const r = rig(new MemoryStore(), { periodSeconds: 1, backoffMaxSeconds: 2 });
    r.session.answer = () => DOWN;
    r.plugin.logString(result(0));
    for (let i = 0; i < 30; i++) {
      await r.plugin.drainOnce();
      await r.clock.sleep(1000);
    }
    const warnings = r.logged.filter((l) => l.level === "warning");
    expect(warnings.length).toBe(2); // one per type: results, then the status line about them
    expect(warnings[0]!.message).toContain("could not send result logs to /api/v1/osquery/log: connection refused");
    expect(r.session.of("result").length).toBeGreaterThan(10);
    r.session.answer = () => ok({});
    await r.plugin.drainOnce();
    await r.clock.sleep(1000);
    await r.plugin.drainOnce();
    expect(r.logged.filter((l) => l.level === "info").map((l) => l.message.replace(/\d+ failed/, "N failed"))).toEqual([
      "TLS logger is sending result logs again after N failed attempts",
      "TLS logger is sending status logs again after N failed attempts",
    ]);
  });
});

describe("buffered_log_max", () => {
  test("the oldest lines of both types are purged, with one warning saying how many, and no purge after it", async () => {
    const r = rig(new MemoryStore(), { bufferedLogMax: 10 });
    r.session.answer = () => DOWN;
    r.plugin.logStatus([status("s0", 1)]);
    for (let i = 0; i < 15; i++) r.plugin.logString(result(i));
    await r.plugin.drainOnce();
    // 16 lines + the two outage warnings = 18; 9 purged leaves 9, and the purge warning makes 10.
    const purge = r.logged.filter((l) => l.message.startsWith("Purging"));
    expect(purge.map((l) => l.message)).toEqual(["Purging buffered logs limit (10) exceeded: 18; the 9 oldest lines were dropped"]);
    expect(r.plugin.buffered).toBe(10);
    for (let i = 0; i < 5; i++) {
      r.clock.t += 4000;
      await r.plugin.drainOnce();
    }
    expect(r.logged.filter((l) => l.message.startsWith("Purging")).length).toBe(1);
    r.session.answer = () => ok({});
    r.clock.t += 3600_000;
    await r.plugin.drainOnce();
    // s0 and results 0..7 were the nine oldest.
    expect(counters(r.session.of("result").filter((s) => r.session.sent.indexOf(s) >= r.session.sent.length - 2))).toEqual([8, 9, 10, 11, 12, 13, 14]);
  });
});

describe("nothing lost (a real LMDB file)", () => {
  test("a kill -9 with a batch in flight: the next process sends every line, in order, continuing the sequence", async () => {
    const path = tempDb();
    const first = await openStore(path);
    const a = rig(first, { maxLines: 100 });
    for (let i = 0; i < 250; i++) a.plugin.logString(result(i));
    a.session.answer = () => "hang";
    void a.plugin.drainOnce();
    await Bun.sleep(0);
    expect(a.session.sent.length).toBe(1);
    // The process dies here: the request never settles and nothing is cleaned up.
    await first.close();

    const second = await openStore(path);
    const b = rig(second, { maxLines: 100 });
    expect(b.plugin.buffered).toBe(250);
    for (let i = 250; i < 260; i++) b.plugin.logString(result(i));
    for (let pass = 0; pass < 3; pass++) await b.plugin.drainOnce();
    expect(b.session.of("result").map((s) => (s.body.data as unknown[]).length)).toEqual([100, 100, 60]);
    expect(counters(b.session.of("result"))).toEqual([...Array(260).keys()]);
    expect(b.plugin.buffered).toBe(0);
    await second.close();
  });

  test("the buffer's keys sort in production order past ten lines and across a reopen", async () => {
    const path = tempDb();
    const s1 = await openStore(path);
    const buf1 = new LogBuffer(s1);
    buf1.load();
    buf1.append("result", Array.from({ length: 12 }, (_, i) => `r${i}`));
    await s1.close();
    const s2 = await openStore(path);
    const buf2 = new LogBuffer(s2);
    buf2.load();
    buf2.append("result", ["r12"]);
    buf2.append("status", ["s0"]);
    expect(buf2.count).toBe(14);
    expect(buf2.oldest("result", 100).map((b) => b.line)).toEqual(Array.from({ length: 13 }, (_, i) => `r${i}`));
    expect(buf2.oldest("status", 100).map((b) => b.line)).toEqual(["s0"]);
    expect(buf2.purgeOldest(3)).toBe(3);
    expect(buf2.oldest("result", 1)[0]!.line).toBe("r3");
    // The count is kept beside the lines; without it (an older buffer) the keys are counted.
    const buf3 = new LogBuffer(s2);
    buf3.load();
    expect(buf3.count).toBe(11);
    await s2.write((w) => w.del("logs", "tls_count"));
    const buf4 = new LogBuffer(s2);
    buf4.load();
    expect(buf4.count).toBe(11);
    await s2.close();
  });

  test("a line the store cannot keep makes logString throw, so the daemon retries it", () => {
    const store = new MemoryStore();
    const r = rig(store);
    store.writeSync = () => {
      throw new Error("No space left on device");
    };
    expect(() => r.plugin.logString(result(0))).toThrow("No space left on device");
    expect(r.plugin.buffered).toBe(0);
  });
});

describe("drain loop", () => {
  test("init starts it: a pass, then a logger_tls_period sleep, until stop", async () => {
    const clock = new FakeClock();
    const r = rig(new MemoryStore(), { periodSeconds: 3 }, clock);
    let results = 0;
    let stopped!: () => void;
    const stopping = new Promise<void>((resolve) => (stopped = resolve));
    r.session.answer = (body) => {
      if (body.log_type === "result" && ++results === 3) void r.plugin.stop().then(stopped);
      return ok({});
    };
    r.plugin.logString(result(0));
    const origSleep = clock.sleep.bind(clock);
    clock.sleep = async (ms) => {
      r.plugin.logString(result(clock.sleeps.length + 1));
      return origSleep(ms);
    };
    r.plugin.init("osqueryd", [status("buffered before init")]);
    await stopping;
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(r.session.of("result").length).toBe(3);
    expect((r.session.of("status")[0]!.body.data as { message: string }[])[0]!.message).toBe("buffered before init");
  });

  test("stop abandons a request still in flight after its grace: the late reply leaves the store alone", async () => {
    const r = rig();
    r.plugin.logString(result(0));
    let reply!: (a: Result<JsonObject, RemoteError>) => void;
    r.session.answer = () => new Promise((resolve) => (reply = resolve));
    r.plugin.init("osqueryd", []);
    await Bun.sleep(0);
    expect(r.session.sent.length).toBe(1);
    await r.plugin.stop(0);
    reply(ok({}));
    await Bun.sleep(0);
    // The line was accepted, but the store is no longer the plugin's to change: it goes again next run.
    expect(r.plugin.buffered).toBe(1);
    expect(r.logged).toEqual([]);
  });
});

describe("in the daemon", () => {
  test("a scheduled run's rows are buffered in one commit, in row order, not one commit per row", async () => {
    const store = new MemoryStore();
    const logCommits: number[] = [];
    const plain = store.writeSync.bind(store);
    store.writeSync = (fn: (w: StoreWriter) => void) => {
      let logs = 0;
      plain((w) =>
        fn({
          put: (d, k, v) => {
            if (d === "logs" && k.startsWith("tls_r_")) logs++;
            w.put(d, k, v);
          },
          del: (d, k) => w.del(d, k),
        }),
      );
      if (logs > 0) logCommits.push(logs);
    };
    const r = rig(store, { disableStatusLog: true });
    const status = new StatusLog();
    status.stderrWrite = () => {};
    const daemon = new Daemon({ store, loggers: [r.plugin], status, runQuery: (sql) => runQuery(sql), now: () => 1_700_000_000 });
    const q = {
      pack: "main",
      name: "rows",
      query: "with recursive c(n) as (select 0 union all select n + 1 from c where n < 49) select n from c",
      interval: 10,
      splayedInterval: 10,
      snapshot: false,
      removed: true,
      denylist: true,
      startupPriority: NO_STARTUP_PRIORITY,
    };
    const pack = new Pack("main", "test", "", "", 0, true, [], []);
    daemon.config = { valid: true, scheduledQueries: async () => [{ name: q.name, query: q, pack, denylisted: false }], views: () => new Map() } as unknown as Config;
    await daemon.tick(1_700_000_000);
    expect(logCommits).toEqual([50]);
    await r.plugin.drainOnce();
    expect(r.session.of("result").flatMap((s) => (s.body.data as { columns: { n: string } }[]).map((d) => Number(d.columns.n)))).toEqual([...Array(50).keys()]);
  });
});
