// The daemon survives a store that refuses writes, on a real full filesystem:
// a small tmpfs holds --database_path and a filler file takes its last byte.
// The logs live outside it, so every line the daemon writes can be checked;
// one test breaks the results log instead.
// Mounting needs root (CI runs as root); without it these tests fail saying so.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { DaemonFixture } from "../daemon_fixture.ts";

interface BatchLine {
  name: string;
  counter: number;
  epoch: number;
  diffResults: { removed: Record<string, string>[]; added: Record<string, string>[] };
}

let d: DaemonFixture;
let dir: string;
let fsDir: string;
let watched: string;

function mount(path: string, size: string): void {
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path]);
  if (r.exitCode !== 0) {
    throw new Error(`these tests need to mount a small tmpfs (run them as root): mount failed: ${r.stderr.toString().trim()}`);
  }
}

beforeEach(() => {
  d = new DaemonFixture("osq-failures-");
  dir = d.dir;
  fsDir = join(dir, "small");
  watched = join(dir, "watched");
  mkdirSync(fsDir);
  mkdirSync(watched);
  mount(fsDir, "4m");
});

afterEach(async () => {
  await d.stop();
  Bun.spawnSync(["umount", fsDir]);
  await d.cleanup();
});

const filler = () => join(fsDir, "filler");

/** Writes to the tmpfs until the kernel says ENOSPC. */
function fillUp(): void {
  const fd = openSync(filler(), "w");
  try {
    for (const size of [1 << 20, 65536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}

const writeConfig = (config: unknown) => d.writeConfig(config);

/** The database lives on the small tmpfs; the logs beside it, outside. */
const start = (extra: string[] = []) => d.start(["--disable_watchdog", "--logger_event_type=false", ...extra], { databasePath: join(fsDir, "osquery.db") });

const stderr = () => d.stderr();

const results = () => d.logLines<BatchLine>("osqueryd.results.log");

/** The glog ERROR file the filesystem logger writes (status lines of severity ERROR). */
const errorLog = () => d.read("logs/osqueryd.ERROR");

const waitFor = <T>(what: string, fn: () => T | undefined | false, timeoutMs?: number) => d.waitFor(what, fn, timeoutMs);

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Stack frames in any of Bun's layouts, or a crash banner: none may reach the daemon's output. */
function expectNoStackTraces(text: string): void {
  expect(text).not.toMatch(/^\s+at\s/m);
  expect(text).not.toMatch(/\.(js|ts):\d+:\d+/);
  expect(text).not.toMatch(/^error: /m);
  expect(text).not.toContain("panic");
  expect(text).not.toContain("Bun has crashed");
}

function alive(p: Subprocess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

describe("osqueryd when writes fail", () => {
  test("a reload whose store write fails is one status line; the daemon goes on and a later reload works", async () => {
    writeConfig({ schedule: { one: { query: "SELECT 1 AS one", interval: 1, snapshot: true } } });
    const p = start();
    await waitFor("the first snapshot", () => existsSync(join(dir, "logs", "osqueryd.snapshots.log")) && readFileSync(join(dir, "logs", "osqueryd.snapshots.log"), "utf8").includes('"one"'));

    fillUp();
    // A new query needs its splay saved: the store refuses it.
    writeConfig({
      schedule: {
        one: { query: "SELECT 1 AS one", interval: 1, snapshot: true },
        two: { query: "SELECT 2 AS two", interval: 1, snapshot: true },
      },
    });
    const refused = "Cannot save the schedule's splayed intervals: No space left on device";
    p.kill("SIGHUP");
    await waitFor("the first refused reload", () => count(stderr(), refused) >= 1);
    p.kill("SIGHUP");
    await waitFor("the second refused reload (the first must not block it)", () => count(stderr(), refused) >= 2);
    expect(alive(p)).toBe(true);
    expect(stderr()).toContain("keeping the last good config");

    rmSync(filler());
    p.kill("SIGHUP");
    await waitFor("the new query's snapshot after the reload", () => readFileSync(join(dir, "logs", "osqueryd.snapshots.log"), "utf8").includes('"two"'));
    expect(alive(p)).toBe(true);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(count(stderr(), refused)).toBe(2);
    expectNoStackTraces(stderr());
    expectNoStackTraces(errorLog());
  }, 30000);

  test("a full disk: one error line per failing run, nothing logged or lost, results resume when space returns", async () => {
    writeFileSync(join(watched, "a"), "");
    writeConfig({ schedule: { files: { query: `SELECT filename FROM file WHERE directory = '${watched}'`, interval: 1, denylist: false } } });
    const p = start();
    await waitFor("the first results", () => results().length >= 1);
    expect(results().map((l) => [l.counter, l.diffResults.added.map((r) => r.filename)])).toEqual([[0, ["a"]]]);

    fillUp();
    writeFileSync(join(watched, "b"), "");
    const failing = "Error adding new results to database for query files: No space left on device";
    await waitFor("two failing runs", () => count(stderr(), failing) >= 2);
    rmSync(join(watched, "a"));
    writeFileSync(join(watched, "c"), "");
    const failures = await waitFor("two more failing runs", () => {
      const n = count(stderr(), failing);
      return n >= 4 && n;
    });
    // Nothing whose state was not committed reaches the results log.
    expect(results()).toHaveLength(1);
    expect(alive(p)).toBe(true);

    rmSync(filler());
    await waitFor("the results to resume", () => results().length >= 2);
    await Bun.sleep(2500);
    // One line carries every change made while the disk was full, once; the counter moved by one.
    const after = results();
    expect(after).toHaveLength(2);
    expect(after[1]!.counter).toBe(1);
    expect(after[1]!.diffResults.added.map((r) => r.filename).sort()).toEqual(["b", "c"]);
    expect(after[1]!.diffResults.removed.map((r) => r.filename)).toEqual(["a"]);

    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    const err = stderr();
    // Each failing run is exactly one ERROR line, and no other error was logged.
    const errorLines = err.split("\n").filter((l) => l.startsWith("E"));
    expect(errorLines.length).toBeGreaterThanOrEqual(failures);
    for (const l of errorLines) expect(l).toContain(failing);
    expect(count(errorLog(), failing)).toBe(errorLines.length);
    expectNoStackTraces(err);
  }, 30000);

  test("a results log that cannot be written is one error line per run; the daemon goes on and then logs every line it held back", async () => {
    writeConfig({ schedule: { clock: { query: "SELECT CAST(strftime('%s', 'now') AS INTEGER) AS now", interval: 1 } } });
    const p = start();
    await waitFor("the first results", () => results().length >= 1);
    const lastLogged = results().at(-1)!.counter;
    // A directory where the log file should be: every append fails with EISDIR, even for root.
    const log = join(dir, "logs", "osqueryd.results.log");
    rmSync(log);
    mkdirSync(log);
    const failing = "Error logging the results of query: clock: EISDIR";
    await waitFor("two failing writes", () => count(stderr(), failing) >= 2);
    expect(alive(p)).toBe(true);
    rmSync(log, { recursive: true });
    await waitFor("results logged again", () => results().length >= 3);
    expect(alive(p)).toBe(true);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    // The lines of the runs whose writes failed come first, in order: no counter is missing.
    const counters = results().map((l) => l.counter);
    expect(counters).toEqual(counters.map((_, i) => lastLogged + 1 + i));
    const errorLines = stderr().split("\n").filter((l) => l.startsWith("E"));
    for (const l of errorLines) expect(l).toContain(failing);
    expectNoStackTraces(stderr());
  }, 30000);

  test("a full disk under --logger_path: result lines are held back whole and written once there is room; status lines go to stderr", async () => {
    writeConfig({ schedule: { clock: { query: "SELECT CAST(strftime('%s', 'now') AS INTEGER) AS now, hex(zeroblob(2500)) AS pad", interval: 1 } } });
    const logs = join(fsDir, "logs");
    // No stderr copies: the error lines reach stderr only because the glog files on the full disk cannot take them.
    const p = start([`--database_path=${join(dir, "osquery.db")}`, `--logger_path=${logs}`, "--logger_stderr=false"]);
    const resultsLog = join(logs, "osqueryd.results.log");
    const logged = () => readFileSync(resultsLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as BatchLine);
    await waitFor("the first results", () => existsSync(resultsLog) && logged().length >= 1);
    fillUp();
    const failing = "Error logging the results of query: clock: ENOSPC";
    await waitFor("two failing writes", () => count(stderr(), failing) >= 2);
    expect(alive(p)).toBe(true);
    rmSync(filler());
    const n = count(stderr(), failing);
    await waitFor("the held-back lines", () => logged().length >= n + 2);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    // Every line parses (none was cut off by the full disk) and the counters run 0, 1, 2, ... without a gap.
    const text = readFileSync(resultsLog, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const counters = logged().map((l) => l.counter);
    expect(counters).toEqual(counters.map((_, i) => i));
    expect(stderr()).not.toContain("osquery initialized");
    expectNoStackTraces(stderr());
  }, 30000);

  test("root writes into the blocks ext4 reserves for it: a disk full for other users is not full for osqueryd", async () => {
    // An ext4 image with 20% reserved for root, filled by an unprivileged user.
    const image = join(dir, "ext4.img");
    const mnt = join(dir, "ext4");
    mkdirSync(mnt);
    writeFileSync(image, "");
    Bun.spawnSync(["truncate", "-s", "8M", image]);
    const mkfs = Bun.spawnSync(["mkfs.ext4", "-q", "-m", "20", image]);
    if (mkfs.exitCode !== 0) throw new Error(`this test needs mkfs.ext4 (e2fsprogs): ${mkfs.stderr.toString().trim()}`);
    const loop = Bun.spawnSync(["mount", "-o", "loop", image, mnt]);
    if (loop.exitCode !== 0) throw new Error(`this test needs a loop mount (run it as root): ${loop.stderr.toString().trim()}`);
    try {
      // The unprivileged user needs its way to the mount: the temp dir is 0700.
      Bun.spawnSync(["chmod", "0755", dir]);
      Bun.spawnSync(["chmod", "1777", mnt]);
      const fill = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "dd", "if=/dev/zero", `of=${join(mnt, "filler")}`, "bs=64k"]);
      expect(fill.stderr.toString()).toContain("No space left on device");
      writeConfig({ schedule: { files: { query: `SELECT filename FROM file WHERE directory = '${watched}'`, interval: 1 } } });
      writeFileSync(join(watched, "a"), "");
      const p = start([`--database_path=${join(mnt, "osquery.db")}`]);
      await waitFor("the first results", () => results().length >= 1);
      writeFileSync(join(watched, "b"), "");
      await waitFor("the change", () => results().length >= 2);
      p.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      expect(stderr()).not.toContain("No space left on device");
    } finally {
      Bun.spawnSync(["umount", mnt]);
    }
  }, 30000);

  test("a database that cannot be created on a full disk is one clear error and exit 78", async () => {
    writeConfig({ schedule: {} });
    fillUp();
    const p = start();
    expect(await p.exited).toBe(78);
    const err = stderr();
    expect(err).toContain(`Cannot open the database at ${join(fsDir, "osquery.db")}: No space left on device`);
    expectNoStackTraces(err);
  });
});
