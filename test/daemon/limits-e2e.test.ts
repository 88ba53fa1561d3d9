// Per-query limits in the compiled daemon, watchdog on (its default): a
// scheduled endless recursive CTE with "timeout": 1 and one with "max_rows"
// are stopped on every interval, each with one status line, while a normal
// query logs on every interval from the same worker, which is never
// restarted; osquery_schedule counts the stopped runs and their wall time.
// And a differential query stopped at max_rows keeps its last complete
// state: nothing is logged, and the next complete run diffs against it.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "../helpers.ts";

const ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";
const ENDLESS_ROWS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c";

let dir: string;
let daemon: Subprocess | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-limits-"));
});

afterEach(async () => {
  if (daemon) {
    daemon.kill("SIGTERM");
    await daemon.exited;
    daemon = null;
  }
  rmSync(dir, { recursive: true, force: true });
});

function start(config: unknown): Subprocess {
  writeFileSync(join(dir, "osquery.conf"), JSON.stringify(config));
  daemon = Bun.spawn(
    [
      OSQUERYD,
      `--config_path=${join(dir, "osquery.conf")}`,
      `--database_path=${join(dir, "osquery.db")}`,
      `--logger_path=${join(dir, "logs")}`,
      `--pidfile=${join(dir, "osqueryd.pid")}`,
    ],
    { stdout: Bun.file(join(dir, "stdout")), stderr: Bun.file(join(dir, "stderr")), stdin: "ignore" },
  );
  return daemon;
}

function stderr(): string {
  const path = join(dir, "stderr");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

function logLines<T>(file: string): T[] {
  const path = join(dir, "logs", file);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

async function waitFor(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstderr:\n${stderr()}`);
    await Bun.sleep(100);
  }
}

/** The parent pid from /proc/<pid>/stat, or null once the process is gone. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

interface Snapshot {
  name: string;
  unixTime: number;
  snapshot: Record<string, string>[];
}

const stoppedAfter = (name: string, tail: string) =>
  [...stderr().matchAll(new RegExp(`query ${name} stopped after ([0-9.]+) s, ${tail}`, "g"))].map((m) => Number(m[1]));

test("endless queries are stopped at their timeout and max_rows on every interval; the normal one logs every interval; one worker throughout", async () => {
  const watcher = start({
    schedule: {
      endless: { query: ENDLESS, interval: 2, timeout: 1 },
      many: { query: ENDLESS_ROWS, interval: 2, max_rows: 50 },
      normal: { query: "SELECT unix_time FROM time", interval: 2, snapshot: true },
      stats: {
        query: "SELECT name, executions, wall_time, wall_time_ms FROM osquery_schedule WHERE name IN ('endless', 'many')",
        interval: 2,
        snapshot: true,
      },
    },
  });
  const normal = () => logLines<Snapshot>("osqueryd.snapshots.log").filter((s) => s.name === "normal");
  await waitFor("five runs of the normal query", () => normal().length >= 5);

  const timeouts = stoppedAfter("endless", "0 rows \\(timeout 1 s\\)");
  const rowLimits = stoppedAfter("many", "51 rows \\(max_rows 50\\)");
  const runs = normal().length;
  // Every interval: each endless query was stopped as often as the normal one logged (the last tick may be in flight).
  expect(timeouts.length).toBeGreaterThanOrEqual(runs - 1);
  expect(timeouts.length).toBeLessThanOrEqual(runs + 1);
  expect(rowLimits.length).toBeGreaterThanOrEqual(runs - 1);
  for (const s of timeouts) {
    expect(s).toBeGreaterThanOrEqual(1);
    expect(s).toBeLessThan(2);
  }
  // The normal query logged on every interval: consecutive runs two seconds apart
  // (a second more when a busy machine delayed a tick; a missed interval would be four).
  const times = normal().map((s) => s.unixTime);
  for (let i = 1; i < times.length; i++) {
    expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1);
    expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(3);
  }

  // osquery_schedule counts the stopped runs and their time.
  const stats = logLines<Snapshot>("osqueryd.snapshots.log").filter((s) => s.name === "stats");
  const last = stats.at(-1)!.snapshot.find((r) => r.name === "endless")!;
  expect(Number(last.executions)).toBeGreaterThanOrEqual(3);
  expect(Number(last.wall_time_ms)).toBeGreaterThanOrEqual(1000 * Number(last.executions));
  expect(Number(last.wall_time)).toBeGreaterThanOrEqual(Number(last.executions));
  // Stopped runs log nothing.
  expect(logLines<{ name: string }>("osqueryd.results.log").filter((l) => l.name === "endless" || l.name === "many")).toEqual([]);

  // One worker wrote every status line, a child of the watcher that is still running: it was never restarted.
  const pids = new Set([...stderr().matchAll(/^[IWEF]\d{4} [\d:.]+ +(\d+) /gm)].map((m) => Number(m[1])));
  expect(pids.size).toBe(1);
  const worker = [...pids][0]!;
  expect(worker).not.toBe(watcher.pid);
  expect(parentOf(worker)).toBe(watcher.pid);
  expect(stderr()).not.toContain("osqueryd worker");
}, 60_000);

test("a differential query stopped at max_rows keeps its last complete state: no removed rows, the next complete run diffs against it", async () => {
  const files = join(dir, "files");
  mkdirSync(files);
  for (const f of ["a", "b"]) writeFileSync(join(files, f), f);
  start({
    schedule: {
      listing: { query: `SELECT filename FROM file WHERE directory = '${files}'`, interval: 1, max_rows: 3 },
    },
  });
  interface Event {
    name: string;
    action: "added" | "removed";
    columns: { filename: string };
  }
  const events = () => logLines<Event>("osqueryd.results.log").filter((e) => e.name === "listing");
  await waitFor("the first state", () => events().length === 2);

  for (const f of ["c", "d"]) writeFileSync(join(files, f), f);
  const before = stoppedAfter("listing", "4 rows \\(max_rows 3\\)").length;
  await waitFor("two stopped runs", () => stoppedAfter("listing", "4 rows \\(max_rows 3\\)").length >= before + 2);
  expect(events().length).toBe(2);

  unlinkSync(join(files, "d"));
  await waitFor("the next complete run", () => events().length > 2);
  await Bun.sleep(1500);
  const lines = events().map((e) => `${e.action} ${e.columns.filename}`);
  expect(lines.sort()).toEqual(["added a", "added b", "added c"]);
}, 60_000);
