// The cache of prepared queries (src/sql/analysis-cache.ts): a query that runs
// again is not parsed again, yet a changed view, SQL or table is never served
// a stale plan, and what the daemon's database keeps reads back equal to a
// fresh analysis (same references, same sharing between them).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { lookupTable, registerExtensionTable, removeExtensionTable } from "../../src/registry.ts";
import { NO_LIMITS, prepare, runQuery } from "../../src/sql/engine.ts";
import { PreparedCache, preparedQueries, type PreparedStore } from "../../src/sql/analysis-cache.ts";
import { decodePrepared, encodePrepared } from "../../src/sql/analysis-codec.ts";
import { QueryBudget } from "../../src/sql/limits.ts";
import { newQueryDatabase } from "../../src/sql/execute.ts";
import { createViews } from "../../src/sql/views.ts";
import { tokenize } from "../../src/sql/lexer.ts";
import { defineTable } from "../../src/table.ts";

/** The store the daemon would give the cache, as a Map. */
function mapStore(): PreparedStore & { readonly entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, get: (id) => entries.get(id), put: (id, v) => void entries.set(id, v) };
}

/** This process's parent pid, as the kernel reports it. */
const ppid = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[1]);

const store = mapStore();
beforeAll(() => preparedQueries.persistTo(store));
afterAll(() => preparedQueries.persistTo(null));

describe("a repeated query", () => {
  test("is analysed once: the second run is a memory hit with the same rows", async () => {
    const sql = `SELECT pid, parent FROM processes WHERE pid = ${process.pid}`;
    const before = { ...preparedQueries.stats };
    const first = await runQuery(sql);
    const second = await runQuery(sql);
    expect(preparedQueries.stats.missed).toBe(before.missed + 1);
    expect(preparedQueries.stats.memory).toBe(before.memory + 1);
    expect(second.rows).toEqual(first.rows);
    expect(second.rows).toEqual([[BigInt(process.pid), BigInt(ppid)]]);
  });

  test("a changed view takes effect at once, and the old one is still found when it comes back", async () => {
    const sql = "SELECT pid FROM v";
    const mine = new Map([["v", `SELECT pid FROM processes WHERE pid = ${process.pid}`]]);
    const parent = new Map([["v", `SELECT pid FROM processes WHERE pid = ${ppid}`]]);
    expect((await runQuery(sql, { views: mine })).rows).toEqual([[BigInt(process.pid)]]);
    expect((await runQuery(sql, { views: parent })).rows).toEqual([[BigInt(ppid)]]);
    const memory = preparedQueries.stats.memory;
    expect((await runQuery(sql, { views: mine })).rows).toEqual([[BigInt(process.pid)]]);
    expect(preparedQueries.stats.memory).toBe(memory + 1);
  });

  test("an extension table registered again (a new generator) is not served the old plan", async () => {
    const make = (n: number) => defineTable({ name: "cache_probe", columns: { n: "INTEGER" }, generate: () => [{ n }] });
    registerExtensionTable(make(1));
    expect((await runQuery("SELECT n FROM cache_probe")).rows).toEqual([[1n]]);
    removeExtensionTable("cache_probe");
    registerExtensionTable(make(2));
    expect((await runQuery("SELECT n FROM cache_probe")).rows).toEqual([[2n]]);
    removeExtensionTable("cache_probe");
  });
});

/** Queries of every shape the analyser handles: joins (a reference points at another), subqueries, CTEs, views, unions, deadlines. */
const SHAPES: { sql: string; views?: Record<string, string>; timeout?: number }[] = [
  { sql: "SELECT * FROM users JOIN authorized_keys USING (uid)" },
  { sql: "SELECT p.pid, u.username FROM processes p, users u WHERE p.uid = u.uid AND p.pid > 1" },
  { sql: "SELECT name FROM processes WHERE pid IN (SELECT pid FROM process_open_sockets WHERE remote_port = 22)" },
  { sql: "WITH r AS (SELECT pid FROM processes WHERE name LIKE 'bun%') SELECT * FROM r JOIN process_memory_map USING (pid)" },
  { sql: "SELECT * FROM recent WHERE pid = 1", views: { recent: "SELECT pid, name FROM processes UNION SELECT pid, 'x' FROM process_envs" } },
  { sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x, (SELECT count(*) FROM users) FROM c", timeout: 30 },
  { sql: "SELECT 1 FROM processes; SELECT 2 FROM users" },
  // An OR generated branch by branch: the alternatives must survive the round trip.
  { sql: "SELECT path FROM file WHERE path IN ('/etc/hosts', '/etc/passwd') OR path LIKE '/etc/host%'" },
];

describe("a stored plan", () => {
  test.each(SHAPES.map((s) => [s.sql, s] as const))("reads back equal to a fresh analysis: %s", async (_name, shape) => {
    const views = new Map(Object.entries(shape.views ?? {}));
    const limits = shape.timeout ? { timeout: shape.timeout, maxRows: 0 } : NO_LIMITS;
    await runQuery(shape.sql, { views, limits });
    const kept = [...store.entries.values()].map((v) => JSON.parse(v) as { key: string; doc: string }).filter((e) => JSON.parse(e.key)[0] === shape.sql);
    // A deadline stores the SQL with checkpoints; the key holds the text as written.
    expect(kept).toHaveLength(1);
    const stored = decodePrepared(kept[0]!.doc, lookupTable);

    const db = await newQueryDatabase(true);
    createViews(db, views);
    const fresh = await prepare(db, shape.sql, tokenize(shape.sql), views, new QueryBudget(limits));
    db.close();
    expect(fresh.kind).toBe("parsed");
    expect(stored).toEqual(fresh);
    // The same text again: the same sharing between references, not only equal values.
    expect(encodePrepared(stored!)).toBe(encodePrepared(fresh));
    if (stored?.kind === "parsed") {
      for (const { analysis } of stored.statements) {
        for (const ref of analysis.refs) {
          expect(ref.table).toBe(lookupTable(ref.table.name)!);
          for (const j of ref.joins) if (j.source.kind === "table") expect(analysis.refs).toContain(j.source);
        }
      }
    }
  });

  test("a restarted process (a new cache over the same store) uses the stored plan without parsing", async () => {
    const sql = "SELECT name FROM processes WHERE pid = 1";
    await runQuery(sql);
    const restarted = new PreparedCache();
    restarted.persistTo(store);
    const key = [...store.entries.values()].map((v) => (JSON.parse(v) as { key: string }).key).find((k) => JSON.parse(k)[0] === sql)!;
    const plan = restarted.get(key, lookupTable);
    expect(restarted.stats).toEqual({ memory: 0, stored: 1, missed: 0 });
    expect(plan?.kind).toBe("parsed");
    // A store written by another build, or holding another key under the id, is not trusted.
    const other = new PreparedCache();
    other.persistTo({ get: (id) => store.get(id)?.replace(/"build":"[^"]*"/, '"build":"other"'), put: () => {} });
    expect(other.get(key, lookupTable)).toBeNull();
    expect(other.stats.missed).toBe(1);
  });

  test("a table that is gone makes the stored plan unreadable rather than wrong", () => {
    const doc = encodePrepared({ kind: "parsed", sql: "SELECT 1", statements: [] });
    expect(decodePrepared(doc, lookupTable)).toEqual({ kind: "parsed", sql: "SELECT 1", statements: [] });
    const cached = [...store.entries.values()].map((v) => (JSON.parse(v) as { doc: string }).doc).find((d) => d.includes('"t":"processes"'))!;
    expect(decodePrepared(cached, (name) => (name === "processes" ? undefined : lookupTable(name)))).toBeNull();
    expect(decodePrepared("not json", lookupTable)).toBeNull();
  });
});
