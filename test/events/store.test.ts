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
import { enableOptimize, readEvents } from "../../src/events/read.ts";
import { Op, QueryContext, type Constraint } from "../../src/table.ts";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "osq-events-"));
  store = await openStore(join(dir, "osquery.db"));
  useEventsStore(store);
});

afterEach(async () => {
  enableOptimize(false);
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

test("events_optimize: each scheduled query gets each row once; a time constraint reads everything", () => {
  enableOptimize(true);
  flags.force("events_expiry", "0");
  const s = eventStore("inotify", "file_events");
  s.add({ n: 1 }, 100);
  s.add({ n: 2 }, 100);
  s.flush();
  const run = (query: string) => {
    store.writeSync((w) => w.put("configurations", "executing_query", query));
    return readEvents("inotify", "file_events", ctx()).map((r) => r.n);
  };
  expect(run("a")).toEqual([1, 2]);
  expect(run("a")).toEqual([]);
  s.add({ n: 3 }, 100);
  s.add({ n: 4 }, 101);
  s.flush();
  expect(run("a")).toEqual([3, 4]);
  expect(run("b")).toEqual([1, 2, 3, 4]);
  expect(store.get("events", "optimize.a")).toBe("101");
  expect(store.get("events", "optimize_eid.a")).toBe("0000000004");
  // Not a scheduled query (no executing query): every row.
  expect(run("")).toEqual([1, 2, 3, 4]);
  store.writeSync((w) => w.put("configurations", "executing_query", "a"));
  expect(readEvents("inotify", "file_events", ctx([{ op: Op.GREATER_THAN_OR_EQUALS, expr: "0" }])).map((r) => r.n)).toEqual([1, 2, 3, 4]);
  expect(store.get("events", "optimize_eid.a")).toBe("0000000004");
});
