// --enable_extensions_watchdog's decision for one extension process: the
// worker's limits (policy.ts) applied to the extension's samples. A real child
// process stands for an extension where liveness matters; the limit cases feed
// samples, as policy.test.ts does, so nothing has to grow to 100 MB.
import { describe, expect, test } from "bun:test";
import { processUsage, type ProcessUsage } from "../../src/linux/proc.ts";
import type { WatchdogSettings } from "../../src/watchdog/policy.ts";
import { extensionCheckSeconds, watchExtension } from "../../src/watchdog/extensions.ts";

const MB = 1024 * 1024;
const settings = (over: Partial<WatchdogSettings> = {}): WatchdogSettings => ({
  level: 0,
  memoryLimit: 0,
  utilizationLimit: 0,
  latencyLimit: 0,
  delay: 0,
  forcedShutdownDelay: 4,
  maxDelay: 600,
  alarmTimeout: 15,
  ...over,
});
const sample = (cpuMs: number, rssMb: number): ProcessUsage => ({ parent: 1, userMs: cpuMs, systemMs: 0, residentBytes: rssMb * MB });
const T0 = 1_700_000_000;

describe("an extension under the watchdog", () => {
  test("a live extension process within the limits is ok; once it exits it is gone (to be started again)", async () => {
    const ext = Bun.spawn(["sleep", "30"], { stdio: ["ignore", "ignore", "ignore"] });
    const watch = watchExtension({ name: "/opt/ext/sleep.ext", pid: ext.pid, settings: settings(), enforce: true, threads: 2, startedAt: T0 });
    expect(watch.check(processUsage(ext.pid), T0 + 3)).toEqual({ kind: "ok" });
    expect(watch.check(processUsage(ext.pid), T0 + 6)).toEqual({ kind: "ok" });
    ext.kill(9);
    await ext.exited;
    expect(watch.check(processUsage(ext.pid), T0 + 9)).toEqual({ kind: "gone" });
  });

  test("memory above its first sample past --watchdog_memory_limit stops it, with osquery's line naming the extension", () => {
    const watch = watchExtension({ name: "/opt/ext/big.ext", pid: 4242, settings: settings({ memoryLimit: 100 }), enforce: true, threads: 2, startedAt: T0 });
    expect(watch.check(sample(0, 30), T0 + 3).kind).toBe("ok");
    expect(watch.check(sample(0, 129), T0 + 6).kind).toBe("ok");
    expect(watch.check(sample(0, 131), T0 + 9)).toEqual({
      kind: "stop",
      message: `osquery extension /opt/ext/big.ext (4242) stopping: Memory limits exceeded: ${101 * MB} bytes (limit is 100MB)`,
    });
  });

  test("CPU over the budget (scaled by hardware threads) for the sustained time stops it", () => {
    // 10% of 2 threads over a 3 s check: 600 ms a check; 6 s sustained is two checks.
    const s = settings({ utilizationLimit: 10, latencyLimit: 6 });
    const watch = watchExtension({ name: "spin.ext", pid: 7, settings: s, enforce: true, threads: 2, startedAt: T0 });
    expect(extensionCheckSeconds(s)).toBe(3);
    expect(watch.check(sample(700, 10), T0 + 3).kind).toBe("ok");
    expect(watch.check(sample(1400, 10), T0 + 6)).toEqual({ kind: "stop", message: "osquery extension spin.ext (7) stopping: Maximum sustainable CPU utilization limit 600ms exceeded for 6 seconds" });
  });

  test("nothing is enforced before --watchdog_delay, nor at all without --enable_extensions_watchdog", () => {
    const delayed = watchExtension({ name: "e", pid: 1, settings: settings({ memoryLimit: 100, delay: 60 }), enforce: true, threads: 2, startedAt: T0 });
    expect(delayed.check(sample(0, 30), T0 + 3).kind).toBe("ok");
    expect(delayed.check(sample(0, 300), T0 + 30).kind).toBe("ok");
    expect(delayed.check(sample(0, 300), T0 + 60).kind).toBe("stop");
    const off = watchExtension({ name: "e", pid: 1, settings: settings({ memoryLimit: 100 }), enforce: false, threads: 2, startedAt: T0 });
    expect(off.check(sample(0, 30), T0 + 3).kind).toBe("ok");
    expect(off.check(sample(0, 300), T0 + 6).kind).toBe("ok");
    expect(off.check(null, T0 + 9).kind).toBe("gone");
  });
});
