// The watchdog's rules (INTERFACES §10, §14 item 10) on injected samples and
// times: the level profiles and the flags that override them, memory counted
// above the first sample, the CPU budget scaled by hardware threads with a
// sustained streak, and the respawn back-off and exit rules. Nothing waits.
import { describe, expect, test } from "bun:test";
import type { ProcessUsage } from "../../src/linux/proc.ts";
import { UsageMonitor, cpuBudgetMs, respawn, watcherViolation, workerLimit, type WatchdogSettings } from "../../src/watchdog/policy.ts";

const MB = 1024 * 1024;
const base: WatchdogSettings = {
  level: 0,
  memoryLimit: 0,
  utilizationLimit: 0,
  latencyLimit: 0,
  delay: 60,
  forcedShutdownDelay: 4,
  maxDelay: 600,
  alarmTimeout: 15,
};
const at = (over: Partial<WatchdogSettings>): WatchdogSettings => ({ ...base, ...over });
const usage = (cpuMs: number, rssMb: number): ProcessUsage => ({ parent: 1, userMs: cpuMs, systemMs: 0, residentBytes: rssMb * MB });

describe("limits by level", () => {
  test("the table of §10 for levels 0, 1 and -1; other levels act as 0", () => {
    const row = (level: number) =>
      (["memory", "utilization", "latency", "respawn", "respawnDelay"] as const).map((n) => workerLimit(n, at({ level })));
    expect(row(0)).toEqual([200, 10, 12, 4, 5]);
    expect(row(1)).toEqual([100, 5, 6, 4, 5]);
    expect(row(-1)).toEqual([10000, 100, 1000, 1000, 1]);
    expect(row(7)).toEqual(row(0));
  });

  test("a --watchdog_*_limit above 0 overrides the level", () => {
    const s = at({ level: 1, memoryLimit: 300, utilizationLimit: 50, latencyLimit: 9 });
    expect([workerLimit("memory", s), workerLimit("utilization", s), workerLimit("latency", s)]).toEqual([300, 50, 9]);
  });

  test("the CPU budget per 3 s check scales with hardware threads, capped at 100 %", () => {
    expect(cpuBudgetMs(base, 1)).toBe(300);
    expect(cpuBudgetMs(base, 8)).toBe(2400);
    expect(cpuBudgetMs(at({ utilizationLimit: 250 }), 2)).toBe(6000);
  });
});

describe("UsageMonitor", () => {
  test("memory counts only what grew after the first sample", () => {
    const m = new UsageMonitor(at({ memoryLimit: 10 }), 1);
    expect(m.check(usage(0, 500))).toBeNull(); // a big floor is not held against the worker
    expect(m.check(usage(0, 510))).toBeNull(); // exactly at the limit
    expect(m.check(usage(0, 511))).toBe(`Memory limits exceeded: ${11 * MB} bytes (limit is 10MB)`);
    expect(m.check(usage(0, 400))).toBeNull(); // shrinking below the floor counts as 0
  });

  test("CPU: a kill needs streak × 3 s ≥ the sustained limit; one quiet check resets the streak", () => {
    const m = new UsageMonitor(base, 2); // budget 600 ms per check, 12 s sustained → 4 checks
    let cpu = 0;
    const busy = () => m.check(usage((cpu += 601), 50));
    const quiet = () => m.check(usage((cpu += 100), 50));
    expect([busy(), busy(), busy()]).toEqual([null, null, null]);
    expect(quiet()).toBeNull();
    expect([busy(), busy(), busy()]).toEqual([null, null, null]);
    expect(busy()).toBe("Maximum sustainable CPU utilization limit 600ms exceeded for 12 seconds");
  });

  test("CPU exactly at the budget is not over it", () => {
    const m = new UsageMonitor(at({ latencyLimit: 3 }), 1);
    expect(m.check(usage(300, 50))).toBeNull();
    expect(m.check(usage(600, 50))).toBeNull();
    expect(m.check(usage(901, 50))).toBe("Maximum sustainable CPU utilization limit 300ms exceeded for 3 seconds");
  });

  test("the watcher is held to the memory limit only", () => {
    const m = new UsageMonitor(at({ memoryLimit: 1, latencyLimit: 3 }), 1);
    expect(watcherViolation(m, usage(0, 40))).toBeNull();
    expect(watcherViolation(m, usage(5000, 40))).toBeNull();
    expect(watcherViolation(m, usage(5000, 42))).toBe(`Memory limits exceeded: ${2 * MB} bytes (limit is 1MB)`);
  });
});

describe("respawn", () => {
  test("exit 78 ends the watcher with 78; exit 0 and signals start a new worker", () => {
    const old = { lastStart: 1000, restarts: 0 };
    expect(respawn(old, 78, 2000, base)).toEqual({ kind: "exit", code: 78, message: "Worker returned exit status" });
    expect(respawn(old, 0, 2000, base)).toEqual({ kind: "start", waitSeconds: 0, restarts: 0 });
    expect(respawn(old, null, 2000, base)).toEqual({ kind: "start", waitSeconds: 0, restarts: 0 });
  });

  test("quick deaths back off 5 + 2^n s and the fifth ends the watcher with 1; the counter is never reset", () => {
    let state = { lastStart: 100, restarts: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = respawn(state, 1, state.lastStart + 1, base);
      if (r.kind !== "start") throw new Error(`expected a start, got ${JSON.stringify(r)}`);
      waits.push(r.waitSeconds);
      state = { lastStart: state.lastStart + 100, restarts: r.restarts };
      // a slow death in between does not reset the counter
      if (r.restarts < 4) expect(respawn(state, 1, state.lastStart + 50, base)).toEqual({ kind: "start", waitSeconds: 0, restarts: r.restarts });
    }
    expect(waits).toEqual([7, 9, 13, 21]);
    // at the limit, any end of the worker ends the watcher, quick or not
    expect(respawn(state, 1, state.lastStart + 50, base)).toEqual({ kind: "exit", code: 1, message: "Too many worker restarts" });
  });

  test("--watchdog_max_delay caps the back-off", () => {
    const r = respawn({ lastStart: 100, restarts: 3 }, 1, 101, at({ maxDelay: 2 }));
    expect(r).toEqual({ kind: "start", waitSeconds: 2, restarts: 4 });
  });

  test("a death 4 s or more after the start is not quick", () => {
    expect(respawn({ lastStart: 100, restarts: 2 }, 1, 104, base)).toEqual({ kind: "start", waitSeconds: 0, restarts: 2 });
    expect(respawn({ lastStart: 100, restarts: 2 }, 1, 103, base).kind).toBe("start");
    expect((respawn({ lastStart: 100, restarts: 2 }, 1, 103, base) as { restarts: number }).restarts).toBe(3);
  });
});
