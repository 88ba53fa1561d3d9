// The worker's side in process: the watcher's SIGUSR1 (a resource limit) asks
// the daemon to stop and leaves the running query recorded as executing_query,
// so the next worker denylists it; a normal run clears it. The signal is real
// (sent to this test process), the store an in-memory one.
import { afterEach, describe, expect, test } from "bun:test";
import { runQuery } from "../../src/sql/engine.ts";
import { MemoryStore } from "../../src/store/store.ts";
import { StatusLog } from "../../src/logger/status.ts";
import { runtime } from "../../src/runtime.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import type { Config } from "../../src/daemon/config.ts";
import { NO_STARTUP_PRIORITY, Pack } from "../../src/daemon/packs.ts";
import { superviseWorker } from "../../src/watchdog/worker.ts";

let end: (() => void) | null = null;
afterEach(() => {
  end?.();
  end = null;
  runtime.resourceLimitHit = false;
  runtime.watcherPid = -1;
});

/** A daemon with one query, "slow", due on every tick; `during` runs while the query runs. */
function daemonWith(store: MemoryStore, during: () => Promise<void>): Daemon {
  const status = new StatusLog();
  status.stderrWrite = () => {};
  const daemon = new Daemon({
    store,
    loggers: [],
    status,
    runQuery: async (sql) => {
      await during();
      return runQuery(sql);
    },
    now: () => 1_700_000_000,
  });
  const query = {
    pack: "main", name: "slow", query: "select 1 as one", interval: 1, splayedInterval: 1,
    snapshot: true, removed: true, denylist: true, startupPriority: NO_STARTUP_PRIORITY,
  };
  const pack = new Pack("main", "test", "", "", 0, true, [], []);
  daemon.config = { valid: true, scheduledQueries: async () => [{ name: "slow", query, pack, denylisted: false }], views: () => new Map() } as unknown as Config;
  return daemon;
}

describe("a worker warned of a resource limit", () => {
  test("SIGUSR1 during a query stops the worker once and keeps the query as executing_query", async () => {
    let stops = 0;
    // This process's real parent stands for the watcher, so the parent poll stays quiet.
    end = superviseWorker(process.ppid, () => stops++);
    expect(runtime.watcherPid).toBe(process.ppid);
    const store = new MemoryStore();
    const daemon = daemonWith(store, async () => {
      process.kill(process.pid, "SIGUSR1");
      await Bun.sleep(100);
    });
    await daemon.tick(1_700_000_000);
    expect(stops).toBe(1);
    expect(runtime.resourceLimitHit).toBe(true);
    expect(store.get("configurations", "executing_query")).toBe("slow");
  });

  test("SIGUSR1 while the query holds the thread (handled only after it returns) still keeps the query as executing_query", async () => {
    let stops = 0;
    end = superviseWorker(process.ppid, () => stops++);
    const store = new MemoryStore();
    const daemon = daemonWith(store, async () => {
      process.kill(process.pid, "SIGUSR1");
      // As SQLite does: no event-loop turn until the query is over.
      Bun.sleepSync(100);
    });
    await daemon.tick(1_700_000_000);
    expect(stops).toBe(1);
    expect(store.get("configurations", "executing_query")).toBe("slow");
  });

  test("without the warning the query's record is cleared after it ran", async () => {
    let stops = 0;
    end = superviseWorker(process.ppid, () => stops++);
    const store = new MemoryStore();
    let seen = "";
    const daemon = daemonWith(store, async () => {
      seen = store.get("configurations", "executing_query") ?? "";
    });
    await daemon.tick(1_700_000_000);
    expect(seen).toBe("slow");
    expect(store.get("configurations", "executing_query")).toBe("");
    expect(stops).toBe(0);
  });
});
