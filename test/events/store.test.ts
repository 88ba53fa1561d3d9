// The event store on a real LMDB environment: time-ordered keys, expiry when
// the table is read, events_max by batches (seconds), events_optimize marks,
// `time` constraints, and event ids that continue after a reopen.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/store.ts";
import { flags } from "../../src/flags/flags.ts";
import { EventStore, eventStore, useEventsStore } from "../../src/events/store.ts";
import { readEvents, runAsScheduledQuery, setMinimumExpiry } from "../../src/events/read.ts";
import { Op, QueryContext, type Constraint } from "../../src/table.ts";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "osq-events-"));
  store = await openStore(join(dir, "osquery.db"));
  useEventsStore(store);
});

afterEach(async () => {
  setMinimumExpiry("file_events", 0);
  flags.force("events_expiry", "3600");
  flags.force("events_max", "50000");
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(time: Constraint[] = []): QueryContext {
  return new QueryContext(time.length ? new Map([["time", time]]) : new Map());
}

test("rows are committed in time order with osquery's time and 10-digit eid columns", () => {
  const s = eventStore("inotify", "file_events");
  s.add({ action: "CREATED" }, 1_700_000_002);
  s.add({ action: "UPDATED" }, 1_700_000_001);
  s.flush();
  const keys = store.keys("events", "data.inotify.file_events.");
  expect(keys).toEqual(["data.inotify.file_events.1700000001.0000000002", "data.inotify.file_events.1700000002.0000000001"]);
  expect(JSON.parse(store.get("events", keys[0]!)!)).toEqual({ action: "UPDATED", time: "1700000001", eid: "0000000002" });
});

test("event ids continue from the stored ones when the store is reopened", async () => {
  const first = new EventStore(store, "udev.hardware_events");
  first.add({ n: 1 }, 100);
  first.add({ n: 2 }, 101);
  first.flush();
  await store.close();
  store = await openStore(join(dir, "osquery.db"));
  const again = new EventStore(store, "udev.hardware_events");
  expect(again.count()).toBe(2);
  again.add({ n: 3 }, 102);
  again.flush();
  expect(again.read({ start: 0, stop: Infinity, afterEid: 0 }).rows.map((r) => r.eid)).toEqual(["0000000001", "0000000002", "0000000003"]);
});

test("events_expiry deletes rows when the table is read, keeping the newest batch", () => {
  const now = 2_000_000_000;
  const s = eventStore("inotify", "file_events");
  s.add({ n: 1 }, now - 7200);
  s.add({ n: 2 }, now - 10);
  s.flush();
  flags.force("events_expiry", "3600");
  expect(readEvents("inotify", "file_events", ctx(), now).map((r) => r.n)).toEqual([2]);
  expect(store.count("events", "data.inotify.file_events.")).toBe(1);
  // Everything expired: the newest batch stays, so event ids continue after a restart.
  expect(readEvents("inotify", "file_events", ctx(), now + 100_000).map((r) => r.n)).toEqual([2]);
});

test("events_max keeps the newest batches, a batch being one second of rows", () => {
  const s = eventStore("inotify", "file_events");
  for (let i = 0; i < 600; i++) s.add({ n: i }, 1000 + Math.floor(i / 100));
  s.flush();
  expect(s.batchCount()).toBe(6);
  expect(s.removeOverflow(2)).toBe(4);
  const rows = s.read({ start: 0, stop: Infinity, afterEid: 0 }).rows;
  expect(rows.length).toBe(200);
  expect(rows[0]!.n).toBe(400);
  expect(store.count("events", "data.inotify.file_events.")).toBe(200);
});

test("events_max is applied as rows are added (every 256), from the flag", () => {
  flags.force("events_max", "3");
  const s = eventStore("inotify", "file_events");
  s.maxBatches = () => flags.num("events_max");
  for (let i = 0; i < 512; i++) s.add({ n: i }, 5000 + i);
  s.flush();
  expect(s.batchCount()).toBe(3);
  expect(store.count("events", "data.inotify.file_events.")).toBe(s.count());
});

test("time constraints narrow the scan", () => {
  const s = eventStore("inotify", "file_events");
  for (let t = 10; t < 20; t++) s.add({ t }, t);
  s.flush();
  flags.force("events_expiry", "0");
  const read = (c: Constraint[]) => readEvents("inotify", "file_events", ctx(c)).map((r) => r.t);
  expect(read([{ op: Op.EQUALS, expr: "12" }])).toEqual([12]);
  expect(read([{ op: Op.GREATER_THAN, expr: "17" }])).toEqual([18, 19]);
  expect(read([{ op: Op.GREATER_THAN_OR_EQUALS, expr: "15" }, { op: Op.LESS_THAN, expr: "17" }])).toEqual([15, 16]);
  expect(read([{ op: Op.LESS_THAN_OR_EQUALS, expr: "10" }])).toEqual([10]);
  expect(read([{ op: Op.LESS_THAN, expr: "5" }])).toEqual([]);
});

test("events_optimize: each scheduled query gets each row once; a time constraint reads everything", async () => {
  flags.force("events_expiry", "0");
  const s = eventStore("inotify", "file_events");
  s.add({ n: 1 }, 100);
  s.add({ n: 2 }, 100);
  s.flush();
  const read = async (c: Constraint[] = []) => readEvents("inotify", "file_events", ctx(c)).map((r) => r.n);
  const run = (query: string, c: Constraint[] = []) => runAsScheduledQuery(query, () => read(c));
  expect(await run("a")).toEqual([1, 2]);
  expect(await run("a")).toEqual([]);
  s.add({ n: 3 }, 100);
  s.add({ n: 4 }, 101);
  s.flush();
  expect(await run("a")).toEqual([3, 4]);
  expect(await run("b")).toEqual([1, 2, 3, 4]);
  expect(store.get("events", "optimize.a")).toBe("101");
  expect(store.get("events", "optimize_eid.a")).toBe("0000000004");
  // Not a scheduled query (a live query, the shell): every row, and the marks stay.
  expect(await read()).toEqual([1, 2, 3, 4]);
  // Even while a scheduled query is between two awaits: the marks are its own.
  let release!: () => void;
  const held = runAsScheduledQuery("a", async () => {
    await new Promise<void>((r) => (release = r));
    return read();
  });
  s.add({ n: 5 }, 102);
  s.flush();
  expect(await read()).toEqual([1, 2, 3, 4, 5]);
  release();
  expect(await held).toEqual([5]);
  expect(await run("a", [{ op: Op.GREATER_THAN_OR_EQUALS, expr: "0" }])).toEqual([1, 2, 3, 4, 5]);
  expect(store.get("events", "optimize_eid.a")).toBe("0000000005");
});

test("rows are kept as long as the slowest scheduled query reading them needs", () => {
  const now = 2_000_000_000;
  const s = eventStore("inotify", "file_events");
  s.add({ n: 1 }, now - 5000);
  s.add({ n: 2 }, now - 10);
  s.flush();
  flags.force("events_expiry", "3600");
  setMinimumExpiry("file_events", 7200);
  expect(readEvents("inotify", "file_events", ctx(), now).map((r) => r.n)).toEqual([1, 2]);
  setMinimumExpiry("file_events", 0);
  expect(readEvents("inotify", "file_events", ctx(), now).map((r) => r.n)).toEqual([2]);
});

test("the schedule sets each subscriber's minimum expiry from the queries that name its table", async () => {
  const { applyScheduleToEvents } = await import("../../src/daemon/events.ts");
  const now = 2_000_000_000;
  const s = eventStore("inotify", "file_events");
  s.add({ n: 1 }, now - 5000);
  s.add({ n: 2 }, now - 10);
  s.flush();
  flags.force("events_expiry", "3600");
  const q = (query: string, interval: number) => ({ query: { query, interval, splayedInterval: interval } });
  applyScheduleToEvents([q("SELECT * FROM FILE_EVENTS WHERE action = 'CREATED'", 7200), q("SELECT * FROM file_events_x", 90000), q("SELECT 1", 86400)]);
  expect(readEvents("inotify", "file_events", ctx(), now).map((r) => r.n)).toEqual([1, 2]);
  applyScheduleToEvents([q("SELECT * FROM processes", 7200)]);
  expect(readEvents("inotify", "file_events", ctx(), now).map((r) => r.n)).toEqual([2]);
});
