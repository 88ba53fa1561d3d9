// The scheduler on an injected clock (INTERFACES §7): ticks seeded with the
// Unix second, runs aligned to wall-clock multiples of the splayed interval,
// drift catch-up and its limit, startup_priority, denylist, timeout and stop.
import { afterAll, describe, expect, test } from "bun:test";
import { flags } from "../../src/flags/flags.ts";
import { FLAG_BY_NAME } from "../../src/flags/registry.ts";
import { runQuery } from "../../src/sql/engine.ts";
import { MemoryStore } from "../../src/store/store.ts";
import { StatusLog } from "../../src/logger/status.ts";
import { SchedulerLoop, dueQueries, type Clock } from "../../src/daemon/scheduler.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import type { Config, ScheduledEntry } from "../../src/daemon/config.ts";
import { NO_STARTUP_PRIORITY, Pack, type ScheduledQuery } from "../../src/daemon/packs.ts";
import type { LoggerPlugin } from "../../plugins/logger/plugin.ts";
import { FakeClock } from "../fake_clock.ts";

afterAll(() => {
  for (const name of ["host_identifier", "specified_identifier"]) flags.set(name, FLAG_BY_NAME.get(name)!.defaultValue, "default");
});


function query(name: string, splayed: number, extra: Partial<ScheduledQuery> = {}): ScheduledQuery {
  return {
    pack: "main",
    name,
    query: `select '${name}' as q`,
    interval: splayed,
    splayedInterval: splayed,
    snapshot: false,
    removed: true,
    denylist: true,
    startupPriority: NO_STARTUP_PRIORITY,
    ...extra,
  };
}

const PACK = new Pack("main", "test", "", "", 0, true, [], []);

function entry(q: ScheduledQuery, denylisted = false): ScheduledEntry {
  return { name: q.name, query: q, pack: PACK, denylisted };
}

describe("SchedulerLoop", () => {
  test("ticks start at the current Unix second and advance by one; timeout ends the loop", async () => {
    const clock = new FakeClock(1_700_000_000_400);
    const ticks: number[] = [];
    const loop = new SchedulerLoop(clock, { timeout: 4, maxDrift: () => 60 }, async (i) => void ticks.push(i));
    expect(await loop.run()).toBe("timeout");
    expect(ticks).toEqual([1_700_000_000, 1_700_000_001, 1_700_000_002, 1_700_000_003, 1_700_000_004]);
    // Fast ticks sleep out the rest of each second.
    expect(clock.sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  test("a slow tick shortens later sleeps until the lag is made up", async () => {
    const clock = new FakeClock(1_000_000);
    const work = [2500, 100, 100, 100];
    let n = 0;
    const loop = new SchedulerLoop(clock, { timeout: 3, maxDrift: () => 60 }, async () => {
      clock.t += work[n++] ?? 0;
    });
    await loop.run();
    // 2500 ms tick: no sleep, 1500 behind; 100 ms: still 600 behind; then 300 ms of sleep.
    expect(clock.sleeps).toEqual([300, 900]);
    expect(clock.t - 1_000_000).toBe(2500 + 100 + 100 + 300 + 100 + 900);
  });

  test("lag beyond schedule_max_drift is dropped", async () => {
    const clock = new FakeClock(0);
    const work = [70_000, 100];
    let n = 0;
    const loop = new SchedulerLoop(clock, { timeout: 1, maxDrift: () => 60 }, async () => {
      clock.t += work[n++] ?? 0;
    });
    await loop.run();
    expect(loop.drift).toBe(0);
    expect(clock.sleeps).toEqual([900]);
  });

  test("stop ends the loop after the tick in progress", async () => {
    const clock = new FakeClock(5_000);
    let loop!: SchedulerLoop;
    let ticks = 0;
    loop = new SchedulerLoop(clock, { timeout: 0, maxDrift: () => 60 }, async () => {
      if (++ticks === 3) loop.stop();
    });
    expect(await loop.run()).toBe("interrupted");
    expect(ticks).toBe(3);
  });
});

describe("dueQueries", () => {
  const a = query("a", 10);
  const b = query("b", 3);

  test("a query runs on ticks that are multiples of its splayed interval, whatever the start", () => {
    const runs: Record<string, number[]> = { a: [], b: [] };
    for (let i = 1_700_000_003; i < 1_700_000_023; i++) for (const e of dueQueries([entry(a), entry(b)], i, new Set())) runs[e.name]!.push(i);
    expect(runs.a).toEqual([1_700_000_010, 1_700_000_020]);
    expect(runs.b!.every((i) => i % 3 === 0)).toBe(true);
    expect(runs.b).toHaveLength(7);
  });

  test("startup_priority queries run once, on the first tick, in schedule order with the due ones", () => {
    // A pack's queries come sorted by (startup_priority, name); packs keep their order.
    const s1 = query("s1", 5, { startupPriority: 1n });
    const s2 = query("s2", 7, { startupPriority: 2n });
    const ran = new Set<string>();
    const due = dueQueries([entry(a), entry(s1), entry(s2)], 1_700_000_010, ran);
    // osquery's scheduler walks the schedule once: a due query of an earlier pack runs first.
    expect(due.map((e) => e.name)).toEqual(["a", "s1", "s2"]);
    // Tick 1_700_000_010 is also a multiple of s1's 5: it still ran once.
    expect(dueQueries([entry(s1), entry(s2)], 1_700_000_011, ran)).toHaveLength(0);
    expect(dueQueries([entry(s1)], 1_700_000_015, ran).map((e) => e.name)).toEqual(["s1"]);
  });

  test("a startup_priority query that a config update adds runs on the next tick", () => {
    const ran = new Set<string>();
    expect(dueQueries([entry(a)], 1_700_000_011, ran)).toHaveLength(0);
    const late = query("late", 7, { startupPriority: 0n });
    expect(dueQueries([entry(a), entry(late)], 1_700_000_012, ran).map((e) => e.name)).toEqual(["late"]);
    expect(dueQueries([entry(a), entry(late)], 1_700_000_013, ran)).toHaveLength(0);
  });

  test("denylisted queries are skipped", () => {
    expect(dueQueries([entry(a, true), entry(b)], 1_700_000_010 * 3, new Set()).map((e) => e.name)).toEqual(["b"]);
  });
});

describe("Daemon on the injected clock", () => {
  test("runs line up with the clock, and only changes are logged after the first full state", async () => {
    flags.set("host_identifier", "specified", "cli");
    flags.set("specified_identifier", "h", "cli");
    const clock = new FakeClock(1_700_000_001_250);
    const lines: string[] = [];
    const logger: LoggerPlugin = {
      name: "memory",
      setUp: () => null,
      init: () => {},
      logString: (l) => void lines.push(l),
      logSnapshot: (l) => void lines.push(l),
      logStatus: () => {},
    };
    const status = new StatusLog();
    status.stderrWrite = () => {};
    const daemon = new Daemon({
      store: new MemoryStore(),
      loggers: [logger],
      status,
      // The query's answer depends on the clock: the tick number modulo 4, halved.
      runQuery: (sql) => runQuery(sql.replace("NOW", String(Math.floor(clock.now() / 1000)))),
      now: () => Math.floor(clock.now() / 1000),
    });
    const q = query("half", 2, { query: "select (NOW % 4) / 2 as half" });
    daemon.config = { valid: true, scheduledQueries: async () => [entry(q)], views: () => new Map() } as unknown as Config;
    const loop = new SchedulerLoop(clock, { timeout: 7, maxDrift: () => 60 }, (i) => daemon.tick(i));
    await loop.run();
    const parsed = lines.map((l) => JSON.parse(l) as { unixTime: number; counter: number; action: string; columns: { half: string } });
    // Ticks 1_700_000_001..008: runs on the even ones: 002 (half 1), 004 (0), 006 (1), 008 (0).
    expect(parsed.map((p) => [p.unixTime, p.counter, p.action, p.columns.half])).toEqual([
      [1_700_000_002, 0, "added", "1"],
      [1_700_000_004, 1, "removed", "1"],
      [1_700_000_004, 1, "added", "0"],
      [1_700_000_006, 2, "removed", "0"],
      [1_700_000_006, 2, "added", "1"],
      [1_700_000_008, 3, "removed", "1"],
      [1_700_000_008, 3, "added", "0"],
    ]);
  });
});
