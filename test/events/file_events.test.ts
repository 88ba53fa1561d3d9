// file_events end to end on the compiled osqueryd (watcher and worker): a
// watched temp tree, real file operations, the rows the schedule logs.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../../src/store/store.ts";
import { EventDaemon } from "./daemon.ts";

let d: EventDaemon;
let tree: string;

beforeEach(() => {
  d = new EventDaemon();
  tree = join(d.dir, "tree");
  mkdirSync(join(tree, "skip"), { recursive: true });
});

afterEach(async () => {
  await d.cleanup();
});

const FIM_SQL = "SELECT action, target_path, category, transaction_id, inode, mode, size, md5, sha1, sha256, hashed, time, eid FROM file_events";
const sha = (alg: string, text: string) => createHash(alg).update(text).digest("hex");
const pause = () => Bun.sleep(300);

function fimConfig(interval = 1): unknown {
  return {
    schedule: { fim: { query: FIM_SQL, interval } },
    file_paths: { tree: [`${tree}/%%`] },
    exclude_paths: { tree: [`${tree}/skip/%%`] },
  };
}

test("create, write, chmod, rename, delete, mkdir + create inside, an excluded path: the rows osquery logs", async () => {
  d.config(fimConfig());
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  const a = join(tree, "a");
  writeFileSync(a, "first\n");
  await pause();
  appendFileSync(a, "second\n");
  await pause();
  chmodSync(a, 0o600);
  await pause();
  const b = join(tree, "b");
  renameSync(a, b);
  await pause();
  const content = "first\nsecond\n";
  unlinkSync(b);
  await pause();
  const sub = join(tree, "new");
  mkdirSync(sub);
  // inotify has no recursive watch: the new directory's watch is added when its CREATE is read.
  await pause();
  const c = join(sub, "c");
  writeFileSync(c, "inside\n");
  await pause();
  writeFileSync(join(tree, "skip", "z"), "excluded\n");
  await d.waitFor("the DELETED and the file in the new directory", () => d.rows("fim").some((r) => r.target_path === c && r.action === "UPDATED") && d.rows("fim").some((r) => r.action === "DELETED"));
  await Bun.sleep(1500);
  const rows = d.rows("fim");
  const of = (path: string) => rows.filter((r) => r.target_path === path).map((r) => r.action!);
  // A write is a MODIFY (the kernel may report it as two, or fold two unread
  // ones into one) and its close a CLOSE_WRITE: both UPDATED. Runs of UPDATED
  // are compared folded, and counted apart.
  const folded = (actions: string[]) => actions.filter((x, i) => !(x === "UPDATED" && actions[i - 1] === "UPDATED"));
  const updates = (actions: string[]) => actions.filter((x) => x === "UPDATED").length;

  expect(folded(of(a))).toEqual(["CREATED", "UPDATED", "ATTRIBUTES_MODIFIED", "MOVED_FROM"]);
  expect(updates(of(a))).toBeGreaterThanOrEqual(4);
  expect(of(b)).toEqual(["MOVED_TO", "DELETED"]);
  expect(of(sub)).toEqual(["CREATED"]);
  expect(folded(of(c))).toEqual(["CREATED", "UPDATED"]);
  expect(updates(of(c))).toBeGreaterThanOrEqual(2);
  expect(rows.filter((r) => r.target_path!.includes("/skip/"))).toEqual([]);
  expect(rows.every((r) => r.category === "tree")).toBe(true);

  // A move is a MOVED_FROM/MOVED_TO pair sharing the kernel's cookie; other events have none.
  const from = rows.find((r) => r.action === "MOVED_FROM")!;
  const to = rows.find((r) => r.action === "MOVED_TO")!;
  expect(Number(from.transaction_id)).toBeGreaterThan(0);
  expect(to.transaction_id).toBe(from.transaction_id);
  expect(rows.filter((r) => !r.action!.startsWith("MOVED")).every((r) => r.transaction_id === "0")).toBe(true);

  // Hashes for CREATED and UPDATED only; a directory cannot be hashed (-1). A
  // file is hashed when its event is handled, so one already moved away has
  // none (-1), as in osquery: the rows checked below were handled in time.
  for (const r of rows) {
    if (r.action === "CREATED" || r.action === "UPDATED") {
      if (r.target_path === sub) expect([r.hashed, r.md5]).toEqual(["-1", ""]);
      else expect(["1", "-1"]).toContain(r.hashed!);
    } else {
      expect([r.hashed, r.md5, r.sha1, r.sha256]).toEqual(["0", "", "", ""]);
    }
  }
  const cRow = rows.find((r) => r.target_path === c && r.action === "UPDATED")!;
  expect([cRow.md5, cRow.sha1, cRow.sha256]).toEqual([sha("md5", "inside\n"), sha("sha1", "inside\n"), sha("sha256", "inside\n")]);
  expect(cRow.inode).toBe(String(statSync(c).ino));
  // The last UPDATED of a was hashed after both writes; the chmod's row shows the new mode.
  const lastUpdate = rows.filter((r) => r.target_path === a && r.action === "UPDATED").pop()!;
  expect(lastUpdate.sha256).toBe(sha("sha256", content));
  expect(rows.find((r) => r.action === "ATTRIBUTES_MODIFIED")!.mode).toBe("0600");
  // The stat columns are empty once the file is gone.
  expect(rows.find((r) => r.action === "DELETED")!.inode).toBe("");

  // Each event logged once, event lines only (counter ≥ 1 after the first run with rows).
  const eids = rows.map((r) => r.eid);
  expect(new Set(eids).size).toBe(eids.length);
  expect(d.lines().filter((l) => l.name === "fim").every((l) => l.action === "added")).toBe(true);
  expect(await d.stop(p)).toBe(0);
}, 40_000);

test("events_optimize: a scheduled query logs each event once across three intervals and a restart", async () => {
  d.config(fimConfig(2));
  let p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  const made: string[] = [];
  const create = (name: string) => {
    const path = join(tree, name);
    writeFileSync(path, name);
    made.push(path);
  };
  const runsWith = (path: string) => d.lines().filter((l) => l.name === "fim" && l.columns?.target_path === path).length > 0;
  for (const round of [1, 2, 3]) {
    create(`round${round}`);
    await d.waitFor(`round ${round} logged`, () => runsWith(made[made.length - 1]!));
  }
  expect(await d.stop(p)).toBe(0);
  p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  create("after-restart");
  await d.waitFor("the event after the restart logged", () => runsWith(made[made.length - 1]!));
  // Two more runs: nothing already logged comes back.
  await Bun.sleep(4500);
  const lines = d.lines().filter((l) => l.name === "fim");
  const created = lines.filter((l) => l.columns!.action === "CREATED").map((l) => l.columns!.target_path);
  expect(created).toEqual(made);
  const eids = lines.map((l) => l.columns!.eid);
  expect(new Set(eids).size).toBe(eids.length);
  // The rounds were logged by separate runs, with the counter counting those runs.
  const times = [...new Set(lines.map((l) => l.unixTime))];
  expect(times.length).toBeGreaterThanOrEqual(4);
  const counters = [...new Set(lines.map((l) => l.counter))];
  expect(counters).toEqual([...counters].sort((x, y) => x - y));
  expect(await d.stop(p)).toBe(0);
}, 60_000);

test("kill -9 mid-stream loses nothing already stored: every stored event is logged once after the restart", async () => {
  d.config({ ...(fimConfig(1) as object), schedule: { fim: { query: "SELECT action, target_path, eid FROM file_events WHERE action = 'CREATED'", interval: 3 } } });
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  let written = 0;
  let writing = true;
  const writer = (async () => {
    for (; writing; written++) {
      writeFileSync(join(tree, `f${written}`), "x");
      if (written % 20 === 0) await Bun.sleep(5);
    }
  })();
  await d.waitFor("some events logged", () => d.rows("fim").length > 20);
  // Between two runs: events are stored that no run has logged yet.
  await Bun.sleep(1200);
  await d.stop(p, 9);
  const loggedBefore = d.rows("fim").length;
  await Bun.sleep(100);
  writing = false;
  await writer;
  // What the killed daemon had committed, read from its LMDB file.
  const store = await openStore(join(d.dir, "osquery.db"));
  const stored = store
    .keys("events", "data.inotify.file_events.")
    .map((k) => JSON.parse(store.get("events", k)!) as Record<string, string>)
    .filter((r) => r.action === "CREATED")
    .map((r) => r.target_path!);
  await store.close();
  expect(stored.length).toBeGreaterThan(loggedBefore);
  expect(stored.length).toBeLessThan(written);

  const again = d.start(["--enable_file_events"]);
  await d.waitFor("every stored event logged", () => d.rows("fim").length >= stored.length);
  await Bun.sleep(2500);
  const logged = d.rows("fim").map((r) => r.target_path!);
  expect(logged.sort()).toEqual([...stored].sort());
  expect(await d.stop(again)).toBe(0);
}, 60_000);

test("osquery_events counts what the inotify publisher fired and file_events stored", async () => {
  d.config({ ...(fimConfig(1) as object), schedule: { ev: { query: "SELECT * FROM osquery_events", interval: 1, snapshot: true } } });
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  for (let i = 0; i < 5; i++) writeFileSync(join(tree, `n${i}`), "x");
  const snapshot = await d.waitFor("a snapshot with the events counted", () =>
    d.lines("osqueryd.snapshots.log").map((l) => l.snapshot!).find((s) => s.some((r) => r.name === "file_events" && Number(r.events) >= 15)),
  );
  const pub = snapshot.find((r) => r.name === "inotify")!;
  const sub = snapshot.find((r) => r.name === "file_events")!;
  expect(pub).toMatchObject({ publisher: "inotify", type: "publisher", subscriptions: "1", active: "1", refreshes: "0" });
  expect(sub).toMatchObject({ publisher: "inotify", type: "subscriber", subscriptions: "1", active: "1" });
  // Each file: CREATED, UPDATED (modify), UPDATED (close); the publisher fired at least those.
  expect(Number(pub.events)).toBeGreaterThanOrEqual(Number(sub.events));
  expect(await d.stop(p)).toBe(0);
}, 30_000);

test("without --enable_file_events the publisher is not enabled and nothing is stored", async () => {
  d.config(fimConfig());
  const p = d.start();
  await d.waitFor("the publisher refused", () => d.stderr().includes("Event publisher not enabled: inotify: Publisher disabled via configuration"));
  writeFileSync(join(tree, "ignored"), "x");
  await Bun.sleep(1500);
  expect(d.rows("fim")).toEqual([]);
  expect(await d.stop(p)).toBe(0);
}, 30_000);

/** Per file: CREATE, MODIFY, CLOSE_WRITE, ATTRIB, MOVED_FROM, MOVED_TO, DELETE. */
function churn(dir: string, files: number, prefix = "burst"): number {
  for (let i = 0; i < files; i++) {
    const p = join(dir, `${prefix}${i}`);
    writeFileSync(p, "x");
    chmodSync(p, 0o600);
    renameSync(p, `${p}.moved`);
    unlinkSync(`${p}.moved`);
  }
  return files * 7;
}

/** Stored file_events rows per action, read from the daemon's LMDB file. */
async function storedActions(dir: string): Promise<Map<string, number>> {
  const store = await openStore(join(dir, "osquery.db"));
  const counts = new Map<string, number>();
  for (const k of store.keys("events", "data.inotify.file_events.")) {
    const action = (JSON.parse(store.get("events", k)!) as Record<string, string>).action!;
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  await store.close();
  return counts;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test("a burst larger than the kernel's inotify queue is stored whole", async () => {
  const queue = Number((await Bun.file("/proc/sys/fs/inotify/max_queued_events").text()).trim());
  d.config({ file_paths: { tree: [`${tree}/%%`] } });
  const p = d.start(["--enable_file_events", "--disable_watchdog", `--events_max=1000000`]);
  await d.started("inotify");
  // The daemon is held while nearly a queue's worth of events wait; then it
  // works through them while as many more arrive. Reading only as fast as
  // subscribers stat and hash would leave the kernel's queue to overflow.
  const first = Math.floor((queue * 0.95) / 7);
  const second = Math.ceil((queue * 1.2) / 7);
  process.kill(p.pid, "SIGSTOP");
  try {
    churn(tree, first, "held");
  } finally {
    process.kill(p.pid, "SIGCONT");
  }
  churn(tree, second, "running");
  const files = first + second;
  await Bun.sleep(2000);
  // SIGTERM fires what was read and commits it before the daemon exits.
  expect(await d.stop(p)).toBe(0);
  expect(d.stderr()).not.toContain("inotify event queue overflowed");
  const stored = await storedActions(d.dir);
  for (const action of ["CREATED", "ATTRIBUTES_MODIFIED", "MOVED_FROM", "MOVED_TO", "DELETED"]) expect([action, stored.get(action)]).toEqual([action, files]);
  // A write and its close are two UPDATED; the kernel may report a write in more than one MODIFY.
  expect(stored.get("UPDATED")).toBeGreaterThanOrEqual(2 * files);
}, 60_000);

test("an inotify queue overflow is reported in a status line, not dropped silently", async () => {
  const queue = Number((await Bun.file("/proc/sys/fs/inotify/max_queued_events").text()).trim());
  d.config({ file_paths: { tree: [`${tree}/%%`] } });
  const p = d.start(["--enable_file_events", "--disable_watchdog"]);
  await d.started("inotify");
  // A stopped daemon reads nothing: the kernel's queue fills and overflows.
  process.kill(p.pid, "SIGSTOP");
  try {
    churn(tree, Math.ceil((queue * 1.2) / 7));
  } finally {
    process.kill(p.pid, "SIGCONT");
  }
  const made = Math.ceil((queue * 1.2) / 7) * 7;
  await d.waitFor("the overflow status line", () => d.lastStderr().includes("inotify event queue overflowed: file events were lost (overflows: 1)"));
  expect(await d.stop(p)).toBe(0);
  // Events were lost: fewer are stored than were made (the kernel's queue holds about max_queued_events).
  expect(total(await storedActions(d.dir))).toBeLessThan(made);
}, 60_000);

test("file_accesses adds OPENED and ACCESSED to its categories, never hashed; events.disable_subscribers turns a subscriber off", async () => {
  const other = join(d.dir, "other");
  mkdirSync(other);
  writeFileSync(join(tree, "read-me"), "content\n");
  d.config({
    schedule: { fim: { query: "SELECT action, target_path, category, hashed, md5 FROM file_events", interval: 1 } },
    file_paths: { tree: [`${tree}/%`], other: [`${other}/%`] },
    file_accesses: ["tree"],
  });
  const p = d.start(["--enable_file_events"]);
  await d.started("inotify");
  Bun.spawnSync(["cat", join(tree, "read-me")]);
  Bun.spawnSync(["cat", "/dev/null"]);
  writeFileSync(join(tree, "written"), "w");
  writeFileSync(join(other, "o"), "o");
  await d.waitFor("the accesses and the writes", () => d.rows("fim").some((r) => r.action === "ACCESSED") && d.rows("fim").some((r) => r.category === "other"));
  await Bun.sleep(1200);
  const rows = d.rows("fim");
  const readMe = rows.filter((r) => r.target_path === join(tree, "read-me")).map((r) => r.action);
  expect(readMe).toContain("OPENED");
  expect(readMe).toContain("ACCESSED");
  // An access category is never hashed, not even its CREATED and UPDATED rows.
  expect(rows.filter((r) => r.category === "tree").every((r) => r.hashed === "0" && r.md5 === "")).toBe(true);
  expect(rows.some((r) => r.category === "tree" && r.action === "UPDATED")).toBe(true);
  // Without file_accesses, no open or access events, and writes are hashed.
  const others = rows.filter((r) => r.category === "other");
  expect(others.some((r) => r.action === "OPENED" || r.action === "ACCESSED")).toBe(false);
  expect(others.find((r) => r.action === "UPDATED")!.md5).toBe(sha("md5", "o"));
  expect(await d.stop(p)).toBe(0);

  // The same config with file_events disabled: nothing stored, the subscriber inactive.
  d.config({
    schedule: { ev: { query: "SELECT name, active FROM osquery_events WHERE name = 'file_events'", interval: 1, snapshot: true } },
    file_paths: { tree: [`${tree}/%`] },
    events: { disable_subscribers: ["file_events"] },
  });
  const again = d.start(["--enable_file_events"]);
  await d.started("inotify");
  writeFileSync(join(tree, "after"), "a");
  const snap = await d.waitFor("an osquery_events snapshot", () => d.lines("osqueryd.snapshots.log").find((l) => l.name === "ev")?.snapshot);
  expect(snap).toEqual([{ name: "file_events", active: "0" }]);
  expect(await d.stop(again)).toBe(0);
  expect((await storedActions(d.dir)).size).toBeGreaterThan(0);
  const store = await openStore(join(d.dir, "osquery.db"));
  const after = store.keys("events", "data.inotify.file_events.").filter((k) => store.get("events", k)!.includes(join(tree, "after")));
  await store.close();
  expect(after).toEqual([]);
}, 60_000);

test("a query that holds the event loop for seconds loses no events: the reader thread empties the kernel's queue meanwhile", async () => {
  const queue = Number((await Bun.file("/proc/sys/fs/inotify/max_queued_events").text()).trim());
  // Endless, stopped by its own timeout: it holds the event loop for 15 s however fast this machine is,
  // and the writes below must end well within that.
  const slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c";
  d.config({ schedule: { slow: { query: slow, interval: 3600, startup_priority: 1, timeout: 15 } }, file_paths: { tree: [`${tree}/%%`] } });
  const p = d.start(["--enable_file_events", "--disable_watchdog", "--events_max=1000000"]);
  await d.started("inotify");
  await d.waitFor("the slow query to start", () => d.lastStderr().includes("Executing scheduled query slow"));
  const files = Math.ceil((queue * 1.3) / 7);
  churn(tree, files);
  // The query was still running when the writes ended: the event loop read nothing meanwhile.
  expect(d.lastStderr()).not.toContain("query slow stopped after");
  await d.waitFor("the slow query to be stopped", () => d.lastStderr().includes("query slow stopped after"), 60_000);
  await Bun.sleep(1500);
  expect(await d.stop(p)).toBe(0);
  expect(d.stderr()).not.toContain("inotify event queue overflowed");
  const stored = await storedActions(d.dir);
  for (const action of ["CREATED", "ATTRIBUTES_MODIFIED", "MOVED_FROM", "MOVED_TO", "DELETED"]) expect([action, stored.get(action)]).toEqual([action, files]);
}, 90_000);

test("a config reload (SIGHUP) moves the watches to the new file_paths", async () => {
  const other = join(d.dir, "other");
  mkdirSync(other);
  const sql = "SELECT action, target_path, category FROM file_events WHERE action = 'CREATED'";
  d.config({ schedule: { fim: { query: sql, interval: 1 } }, file_paths: { tree: [`${tree}/%`] } });
  const p = d.start(["--enable_file_events", "--disable_watchdog"]);
  await d.started("inotify");
  writeFileSync(join(tree, "before"), "x");
  await d.waitFor("the first file", () => d.rows("fim").some((r) => r.target_path === join(tree, "before")));
  d.config({ schedule: { fim: { query: sql, interval: 1 } }, file_paths: { other: [`${other}/%`] } });
  process.kill(p.pid, "SIGHUP");
  await d.waitFor("the new listener", () => d.lastStderr().includes(`Added file event listener to: ${other}/*`));
  await Bun.sleep(300);
  writeFileSync(join(tree, "after"), "x");
  writeFileSync(join(other, "after"), "x");
  await d.waitFor("the file under the new path", () => d.rows("fim").some((r) => r.target_path === join(other, "after")));
  await Bun.sleep(1200);
  expect(d.rows("fim").map((r) => [r.category, r.target_path])).toEqual([
    ["tree", join(tree, "before")],
    ["other", join(other, "after")],
  ]);
  expect(await d.stop(p)).toBe(0);
}, 30_000);

test("file_paths_query: each query's path column is watched in its category; a failing query is an error line", async () => {
  d.config({
    schedule: { fim: { query: "SELECT action, target_path, category FROM file_events WHERE action = 'CREATED'", interval: 1 } },
    file_paths_query: { queried: [`SELECT '${tree}/%' AS path`, "SELECT nope FROM no_such_table", "SELECT 1 AS other"] },
  });
  const p = d.start(["--enable_file_events", "--disable_watchdog"]);
  await d.started("inotify");
  writeFileSync(join(tree, "by-query"), "x");
  await d.waitFor("the file under the queried path", () => d.rows("fim").some((r) => r.target_path === join(tree, "by-query")));
  expect(d.rows("fim")).toEqual([{ action: "CREATED", target_path: join(tree, "by-query"), category: "queried" }]);
  expect(d.lastStderr()).toContain("Could not add file_paths using file_paths_query 'SELECT nope FROM no_such_table'");
  expect(d.lastStderr()).toContain("Cold not find non-empty 'path' column in the results of file_paths_query 'SELECT 1 AS other'");
  expect(await d.stop(p)).toBe(0);
}, 30_000);

test("--disable_events: the daemon starts no publisher, stores nothing, and lists them all inactive", async () => {
  d.config({
    schedule: { ev: { query: "SELECT name, type, active FROM osquery_events", interval: 1, snapshot: true } },
    file_paths: { tree: [`${tree}/%%`] },
  });
  const p = d.start(["--enable_file_events", "--disable_events", "--disable_watchdog"]);
  const snap = await d.waitFor("an osquery_events snapshot", () => d.lines("osqueryd.snapshots.log").find((l) => l.name === "ev")?.snapshot);
  writeFileSync(join(tree, "unwatched"), "x");
  await Bun.sleep(500);
  expect(await d.stop(p)).toBe(0);
  expect(snap.filter((r) => ["inotify", "udev", "file_events", "hardware_events"].includes(r.name!)).map((r) => r.active)).toEqual(["0", "0", "0", "0"]);
  expect(d.stderr()).not.toContain("Starting event publisher run loop");
  expect((await storedActions(d.dir)).size).toBe(0);
}, 30_000);
