// The watchdog end to end on the compiled dist/osqueryd, everything in a temp
// dir: the watcher and its worker as /proc shows them (OSQUERY_WORKER in the
// worker's environ, no lmdb in the watcher's maps), respawn after SIGKILL of
// the worker, the worker's exit after SIGKILL of the watcher, SIGTERM stopping
// both, osquery's exit rules (78 passes through; quick deaths end with 1), and
// a scheduled query over the memory limit: the worker is stopped, a new one
// starts, the query is denylisted and the other query keeps logging.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { DaemonFixture } from "../daemon_fixture.ts";

let d: DaemonFixture;

beforeEach(() => {
  d = new DaemonFixture("osq-watchdog-");
});

afterEach(async () => {
  for (const p of d.procs) {
    p.kill(9);
    await p.exited;
    // Workers die with their watcher; any that did not would be a bug to catch here, not leave running.
    let left = workersOf(p.pid);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await Bun.sleep(50);
      left = workersOf(p.pid);
    }
    for (const pid of left) kill(pid, 9);
    expect(left).toEqual([]);
  }
  await d.cleanup();
});

function kill(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch {
    // it has exited already
  }
}

/** The parent pid from /proc/<pid>/stat (field 4, after the parenthesised comm), or null once gone. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? null : Number(fields[1]);
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => parentOf(p) === pid);
}

/** Live processes started by the watcher `watcher` (OSQUERY_WORKER in their environment), wherever they were reparented. */
function workersOf(watcher: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => {
      try {
        return alive(p) && environ(p).includes(`OSQUERY_WORKER=${watcher}`);
      } catch {
        return false; // exited, or not ours to read
      }
    });
}

const alive = (pid: number) => parentOf(pid) !== null;

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

const stderr = () => d.stderr();
const waitFor = <T>(what: string, fn: () => T | undefined | null | false, timeoutMs?: number) => d.waitFor(what, fn, timeoutMs);
const writeConfig = (config: unknown) => d.writeConfig(config);
const start = (extra: string[] = []) => d.start(extra);

const worker = (watcher: number) => waitFor("a worker", () => childrenOf(watcher)[0]);

interface Snapshot {
  name: string;
  snapshot: Record<string, string>[];
}

const snapshots = () => d.logLines<Snapshot>("osqueryd.snapshots.log");

const quiet = { schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } };

describe("watcher and worker", () => {
  test("the watcher holds the pidfile and runs one worker with OSQUERY_WORKER=<watcher pid>; only the worker loads lmdb", async () => {
    writeConfig(quiet);
    const w = start();
    const child = await worker(w.pid);
    expect(environ(child)).toContain(`OSQUERY_WORKER=${w.pid}`);
    expect(environ(w.pid).some((e) => e.startsWith("OSQUERY_WORKER="))).toBe(false);
    await waitFor("the pidfile", () => existsSync(d.path("osqueryd.pid")) && readFileSync(d.path("osqueryd.pid"), "utf8").trim() === String(w.pid));
    // The worker maps lmdb's addon and the database; the watcher maps neither.
    const mapped = (pid: number) => readFileSync(`/proc/${pid}/maps`, "utf8");
    const db = d.path("osquery.db");
    await waitFor("the worker's database", () => mapped(child).includes(db));
    expect(mapped(child)).toMatch(/\.node\n/);
    expect(mapped(w.pid)).not.toContain(db);
    expect(mapped(w.pid)).not.toMatch(/\.node\n/);
    expect(mapped(w.pid)).not.toContain("libstdc++");
    expect(childrenOf(w.pid)).toEqual([child]);
  }, 20_000);

  test("SIGKILL of the worker: a new worker within 2 s", async () => {
    writeConfig(quiet);
    const w = start();
    const first = await worker(w.pid);
    // Older than the 4 s respawn limit, so the restart is not a quick one (no back-off).
    await Bun.sleep(4500);
    process.kill(first, "SIGKILL");
    const t0 = Date.now();
    const second = await waitFor("a new worker", () => childrenOf(w.pid).find((p) => p !== first), 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(environ(second)).toContain(`OSQUERY_WORKER=${w.pid}`);
    expect(alive(w.pid)).toBe(true);
  }, 20_000);

  test("SIGKILL of the watcher: the worker exits within 3 s", async () => {
    writeConfig(quiet);
    const w = start();
    const child = await worker(w.pid);
    await waitFor("the worker's start", () => stderr().includes("osquery initialized") || existsSync(d.path("logs/osqueryd.results.log")));
    w.kill(9);
    await w.exited;
    await waitFor("the worker's exit", () => !alive(child), 3000);
  }, 20_000);

  test("SIGKILL of the watcher while the worker is busy in a query: the worker is gone within 1 s", async () => {
    writeConfig({ schedule: { spin: { query: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c", interval: 1 } } });
    const w = start();
    const child = await worker(w.pid);
    await waitFor("the busy query", () => stderr().includes("osquery initialized"));
    await Bun.sleep(1000);
    w.kill(9);
    await w.exited;
    await waitFor("the worker's exit", () => !alive(child), 1000);
  }, 20_000);

  test("a worker whose watcher is already gone (OSQUERY_WORKER not its parent) exits 0 before running anything", () => {
    writeConfig(quiet);
    const r = Bun.spawnSync(d.argv(), { env: { ...process.env, OSQUERY_WORKER: "999999999" }, stderr: "pipe", timeout: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.toString()).toContain("detected killed watcher (999999999)");
    expect(existsSync(d.path("logs/osqueryd.results.log"))).toBe(false);
  }, 20_000);

  test("SIGTERM of the watcher: both exit, the watcher with 0, and the pidfile is gone", async () => {
    writeConfig(quiet);
    const w = start();
    const child = await worker(w.pid);
    await Bun.sleep(1500);
    w.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    expect(alive(child)).toBe(false);
    expect(existsSync(d.path("osqueryd.pid"))).toBe(false);
  }, 20_000);

  test("SIGHUP to the watcher reloads the worker's config; osquery_info.watcher names the watcher", async () => {
    writeConfig({ schedule: { first: { query: "SELECT watcher FROM osquery_info", interval: 1, snapshot: true } } });
    const w = start();
    const child = await worker(w.pid);
    const info = await waitFor("the first query", () => snapshots().find((s) => s.name === "first"));
    expect(info.snapshot).toEqual([{ watcher: String(w.pid) }]);
    writeConfig({ schedule: { second: { query: "SELECT 2 AS two", interval: 1, snapshot: true } } });
    w.kill("SIGHUP");
    await waitFor("the reloaded query", () => snapshots().some((s) => s.name === "second"));
    expect(childrenOf(w.pid)).toEqual([child]);
  }, 20_000);

  test("a worker that exits 78 ends the watcher with 78", async () => {
    writeConfig(quiet);
    // A database path under a regular file: the worker cannot open it (78); the watcher never tries.
    writeFileSync(d.path("file"), "");
    const w = start([`--database_path=${d.path("file/db")}`]);
    expect(await w.exited).toBe(78);
    expect(stderr()).toContain("Cannot open the database");
    expect(stderr()).toContain("Worker returned exit status");
  }, 20_000);

  test("a worker that exits 0 is respawned; five quick deaths end the watcher with 1 and 'Too many worker restarts'", async () => {
    writeConfig(quiet);
    // Each worker ends itself with 0 after 1 s; --watchdog_max_delay=1 keeps the back-off short.
    const w = start(["--schedule_timeout=1", "--watchdog_max_delay=1"]);
    expect(await w.exited).toBe(1);
    const err = stderr();
    for (let n = 1; n <= 4; n++) expect(err).toContain(`osqueryd worker respawning too quickly: ${n} times`);
    expect(err).toContain("Too many worker restarts");
    expect(err.match(/osquery initialized/g)?.length).toBe(5);
  }, 30_000);
});

describe("limits and the denylist", () => {
  // group_concat over an endless series: memory grows ~100 MB/s and the query never ends.
  const hog = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT length(group_concat(hex(randomblob(100)))) AS n FROM c";
  const schedule = (extra: Record<string, unknown> = {}) => ({
    schedule: {
      hog: { query: hog, interval: 1, ...extra },
      watch: { query: "SELECT name, denylisted FROM osquery_schedule", interval: 1, snapshot: true },
    },
  });
  const limits = ["--watchdog_memory_limit=100", "--watchdog_delay=0", "--watchdog_forced_shutdown_delay=1"];

  test("a query over --watchdog_memory_limit: the worker is stopped and replaced, the query denylisted, the other query logs", async () => {
    writeConfig(schedule());
    const w = start(limits);
    const first = await worker(w.pid);
    const line = await waitFor("the stop", () => /osqueryd worker \((\d+)\) stopping: Memory limits exceeded: (\d+) bytes \(limit is 100MB\)/.exec(stderr()), 20_000);
    expect(Number(line[1])).toBe(first);
    expect(Number(line[2])).toBeGreaterThan(100 * 1024 * 1024);
    const second = await waitFor("a new worker", () => childrenOf(w.pid).find((p) => p !== first), 8000);
    expect(environ(second)).toContain(`OSQUERY_WORKER=${w.pid}`);
    await waitFor("the denylisting", () => stderr().includes("Scheduled query may have failed: hog"));
    const shown = await waitFor("osquery_schedule with hog denylisted", () =>
      snapshots().find((s) => s.name === "watch" && s.snapshot.some((r) => r.name === "hog" && r.denylisted === "1")),
    );
    expect(shown.snapshot.find((r) => r.name === "watch")?.denylisted).toBe("0");
    // The denylisted query is skipped: the new worker keeps logging and is not stopped.
    const logged = snapshots().length;
    await waitFor("more snapshots", () => snapshots().length >= logged + 2, 5000);
    expect(alive(second)).toBe(true);
    expect(stderr().match(/stopping: /g)?.length).toBe(1);
  }, 40_000);

  test("with denylist: false the query runs again in the new worker and is stopped again", async () => {
    writeConfig(schedule({ denylist: false }));
    const w = start(limits);
    await waitFor("two stops", () => (stderr().match(/stopping: Memory limits exceeded/g)?.length ?? 0) >= 2, 30_000);
    expect(stderr()).toContain("Scheduled query may have failed: hog");
    expect(stderr()).not.toContain("Skipping denylisted scheduled query: hog");
    expect(alive(w.pid)).toBe(true);
  }, 40_000);

  test("a query over --watchdog_utilization_limit for the sustained time stops the worker", async () => {
    // Counting an endless series: CPU bound, little memory.
    writeConfig({ schedule: { spin: { query: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c", interval: 1 } } });
    // 10 % of every thread: a spinning worker is over it with a fifth of one core, which it gets even on a loaded machine.
    const w = start(["--watchdog_utilization_limit=10", "--watchdog_latency_limit=6", "--watchdog_delay=0", "--watchdog_forced_shutdown_delay=1"]);
    const first = await worker(w.pid);
    const line = await waitFor("the stop", () => /osqueryd worker \((\d+)\) stopping: Maximum sustainable CPU utilization limit (\d+)ms exceeded for (\d+) seconds/.exec(stderr()), 20_000);
    expect(Number(line[1])).toBe(first);
    expect(Number(line[3])).toBe(6);
    await waitFor("the denylisting", () => stderr().includes("Scheduled query may have failed: spin"), 10_000);
  }, 40_000);

  test("a worker warned during back-to-back long queries leaves by itself before the forced kill, and the query is denylisted", async () => {
    // Each run takes seconds and the interval is 1 s: the scheduler is always behind, with no sleep between ticks.
    writeConfig({ schedule: { counting: { query: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 6000000) SELECT count(*) AS n FROM c", interval: 1 } } });
    const w = start(["--watchdog_utilization_limit=5", "--watchdog_latency_limit=3", "--watchdog_delay=2", "--watchdog_forced_shutdown_delay=25"]);
    const first = await worker(w.pid);
    await waitFor("the stop", () => stderr().includes(`osqueryd worker (${first}) stopping: Maximum sustainable CPU utilization limit`), 20_000);
    await waitFor("the worker's own exit", () => !alive(first), 20_000);
    expect(stderr()).not.toContain("Sending kill signal");
    await waitFor("the denylisting", () => stderr().includes("Scheduled query may have failed: counting"), 20_000);
  }, 60_000);

  test("nothing is enforced before --watchdog_delay", async () => {
    writeConfig(schedule());
    const w = start(["--watchdog_memory_limit=100", "--watchdog_delay=30", "--watchdog_forced_shutdown_delay=1"]);
    const first = await worker(w.pid);
    // Past 100 MB within a few seconds, yet inside the delay: the worker stays.
    await waitFor("the worker past 300 MB", () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${first}/status`, "utf8"))?.[1] ?? 0) > 300 * 1024, 15_000);
    await Bun.sleep(3500);
    expect(alive(first)).toBe(true);
    expect(stderr()).not.toContain("stopping:");
  }, 30_000);
});
