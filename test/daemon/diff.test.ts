// The diff engine on real LMDB files: multisets with duplicates, restarts
// (close and reopen the environment), epoch changes, SQL changes, the event
// path, and the order removed rows come out in.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/store.ts";
import { QueryState, diffRows } from "../../src/daemon/diff.ts";
import { canonical, type TypedRow } from "../../src/daemon/rows.ts";

const row = (...pairs: [string, bigint | number | string][]): TypedRow => pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
const r = (n: bigint, s: string) => row(["n", n], ["s", s]);

let dir: string;
let store: Store;
const logged: string[] = [];
const log = { info: (m: string) => void logged.push(m) };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "osq-diff-"));
  store = await openStore(join(dir, "osquery.db"));
  logged.length = 0;
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function reopen(): Promise<void> {
  await store.close();
  store = await openStore(join(dir, "osquery.db"));
}

describe("diffRows", () => {
  test("duplicates count: one of two equal rows going away is one removal", () => {
    const prev = [r(1n, "a"), r(1n, "a"), r(2n, "b")].map(canonical);
    const d = diffRows(prev, [r(1n, "a"), r(2n, "b")]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([r(1n, "a")]);
  });

  test("a row appearing twice more is added twice", () => {
    const d = diffRows([r(1n, "a")].map(canonical), [r(1n, "a"), r(1n, "a"), r(1n, "a")]);
    expect(d.added).toEqual([r(1n, "a"), r(1n, "a")]);
    expect(d.removed).toEqual([]);
  });

  test("type matters: integer 1, real 1.0 and text '1' are three different rows", () => {
    const prev = [row(["v", 1n])].map(canonical);
    const d = diffRows(prev, [row(["v", 1]), row(["v", "1"])]);
    expect(d.removed).toEqual([row(["v", 1n])]);
    expect(d.added).toEqual([row(["v", 1]), row(["v", "1"])]);
  });

  test("removed rows come out in multiset order: by key, then integers < reals < text, then value", () => {
    const prev = [row(["v", "b"]), row(["v", 2]), row(["v", "a"]), row(["v", 10n]), row(["v", 9n])].map(canonical);
    const d = diffRows(prev, []);
    expect(d.removed).toEqual([row(["v", 9n]), row(["v", 10n]), row(["v", 2]), row(["v", "a"]), row(["v", "b"])]);
  });

  test("64-bit integers survive the stored form exactly", () => {
    const big = row(["v", 9223372036854775807n]);
    const d = diffRows([canonical(big)], [row(["v", 9223372036854775806n])]);
    expect(d.removed).toEqual([big]);
  });
});

describe("QueryState on LMDB", () => {
  test("first run: every row added, counter 0, state stored under osquery's keys", async () => {
    const q = new QueryState(store, "q", "select 1", log);
    const out = await q.addNewResults([r(1n, "a"), r(1n, "a")], "0");
    expect(out).toEqual({ results: { added: [r(1n, "a"), r(1n, "a")], removed: [] }, counter: 0, freshEpoch: true });
    expect(store.get("queries", "qcounter")).toBe("0");
    expect(store.get("queries", "qepoch")).toBe("0");
    expect(store.get("queries", "query.q")).toBe("select 1");
    expect(JSON.parse(store.get("queries", "q")!)).toHaveLength(2);
    expect(logged).toEqual(["Storing initial results for new scheduled query: q"]);
  });

  test("no change: nothing stored, counter not advanced, nothing to log", async () => {
    const q = new QueryState(store, "q", "select 1", log);
    await q.addNewResults([r(1n, "a")], "0");
    const out = await q.addNewResults([r(1n, "a")], "0");
    expect(out.results).toEqual({ added: [], removed: [] });
    expect(out.freshEpoch).toBe(false);
    expect(store.get("queries", "qcounter")).toBe("0");
  });

  test("changes across a restart continue the counter and diff against the stored rows", async () => {
    let q = new QueryState(store, "q", "select 1", log);
    await q.addNewResults([r(1n, "a"), r(2n, "b")], "0");
    const second = await q.addNewResults([r(1n, "a"), r(3n, "c")], "0");
    expect(second.counter).toBe(1);
    await reopen();
    q = new QueryState(store, "q", "select 1", log);
    const third = await q.addNewResults([r(3n, "c"), r(3n, "c")], "0");
    expect(third).toEqual({ results: { added: [r(3n, "c")], removed: [r(1n, "a")] }, counter: 2, freshEpoch: false });
  });

  test("a new epoch re-baselines: all rows added, counter back to 0", async () => {
    const q = new QueryState(store, "q", "select 1", log);
    await q.addNewResults([r(1n, "a")], "0");
    await q.addNewResults([r(2n, "b")], "0");
    const out = await q.addNewResults([r(2n, "b")], "7");
    expect(out).toEqual({ results: { added: [r(2n, "b")], removed: [] }, counter: 0, freshEpoch: true });
    expect(store.get("queries", "qepoch")).toBe("7");
    expect(logged).toContain("New Epoch 7 for scheduled query q");
    // Same epoch again: back to diffs.
    expect((await q.addNewResults([r(2n, "b")], "7")).results.added).toEqual([]);
  });

  test("a changed SQL text is logged as updated but still diffs against the old rows", async () => {
    await new QueryState(store, "q", "select 1", log).addNewResults([r(1n, "a")], "0");
    const out = await new QueryState(store, "q", "select 2", log).addNewResults([r(1n, "a"), r(2n, "b")], "0");
    expect(out.results).toEqual({ added: [r(2n, "b")], removed: [] });
    expect(out.counter).toBe(1);
    expect(logged).toContain("Scheduled query has been updated: q");
    expect(store.get("queries", "query.q")).toBe("select 2");
  });

  test("event path: no diff, counter 1 on a new epoch, empty runs change nothing", async () => {
    const q = new QueryState(store, "ev", "select * from x_events", log);
    const empty = await q.addNewEvents([], "0");
    expect(empty.results.added).toEqual([]);
    expect(store.get("queries", "ev")).toBe("[]");
    expect(store.get("queries", "evcounter")).toBeUndefined();
    const first = await q.addNewEvents([r(1n, "a")], "0");
    // Not a new epoch any more (the empty run stored it), and no counter yet: starts at 0 as osquery's does.
    expect(first.counter).toBe(0);
    const second = await q.addNewEvents([r(1n, "a")], "0");
    expect(second).toEqual({ results: { added: [r(1n, "a")], removed: [] }, counter: 1, freshEpoch: false });
    const fresh = await q.addNewEvents([r(2n, "b")], "3");
    expect(fresh.counter).toBe(1);
    expect(fresh.freshEpoch).toBe(true);
  });
});
