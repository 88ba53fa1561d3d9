// Per-query limits, the mechanism itself (src/sql/limits.ts, checkpoints.ts):
// the deadline reaches generators (between rows, and around one awaiting I/O
// that never answers: a 127.0.0.1 server that accepts and stays silent) and
// SQLite (a recursive CTE and a join that never yield a row), rows are
// counted as they are stepped, and a query with limits returns exactly what
// it returns without them. Every limit here is a fraction of a second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { Database } from "bun:sqlite";
import { parse } from "sql-parser-cst";
import { registerExtensionTable } from "../../src/registry.ts";
import { runQuery, QueryStopped, type QueryLimits, type QueryResult } from "../../src/sql/engine.ts";
import { QueryBudget } from "../../src/sql/limits.ts";
import { withCheckpoints } from "../../src/sql/checkpoints.ts";
import { MaterialisedTable } from "../../src/sql/materialise.ts";
import { defineTable, QueryContext } from "../../src/table.ts";

const ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";
const timed = (timeout: number): QueryLimits => ({ timeout, maxRows: 0 });
const rows = (maxRows: number): QueryLimits => ({ timeout: 0, maxRows });

/** Runs the query and returns what stopped it, with the wall time it took. */
async function stopped(sql: string, limits: QueryLimits): Promise<{ error: QueryStopped; ms: number }> {
  const t0 = performance.now();
  try {
    await runQuery(sql, { limits });
  } catch (e) {
    if (e instanceof QueryStopped) return { error: e, ms: performance.now() - t0 };
    throw e;
  }
  throw new Error(`${sql} was not stopped`);
}

let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];
let spinRows = 0;

beforeAll(async () => {
  // Accepts connections and never answers: curl's generator awaits its 16 s timeout.
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
  registerExtensionTable(
    defineTable({
      name: "limit_spin",
      columns: { n: "BIGINT" },
      // A synchronous generator that would loop for ever but checks between rows.
      generate(ctx) {
        const out = [];
        for (spinRows = 0; ; spinRows++) {
          ctx.checkDeadline();
          out.push({ n: spinRows });
        }
      },
    }),
  );
  registerExtensionTable(
    defineTable({
      name: "limit_hundred",
      columns: { n: "BIGINT", label: "TEXT" },
      generate: () => Array.from({ length: 100 }, (_, n) => ({ n, label: `row ${n}` })),
    }),
  );
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  silent.close();
});

describe("the deadline in generators", () => {
  test("a generator awaiting I/O that never answers does not hold the query past its deadline", async () => {
    const { error, ms } = await stopped(`select * from curl where url = 'http://127.0.0.1:${silentPort}/'`, timed(0.3));
    expect(sockets.length).toBeGreaterThan(0); // the request did reach the silent server
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3000);
    // The elapsed time is what it took: on a busy machine the timer may fire a little late.
    expect(error.message).toMatch(/^query stopped after (0\.[3-9]|[12](\.\d)?) s, 0 rows \(timeout 0\.3 s\)$/);
  });

  test("a synchronous generator is stopped between rows by ctx.checkDeadline()", async () => {
    const { error, ms } = await stopped("select count(*) from limit_spin", timed(0.2));
    expect(spinRows).toBeGreaterThan(0);
    expect(ms).toBeLessThan(3000);
    expect(error.limit).toBe("timeout 0.2 s");
  });

  test("ctx.checkDeadline() throws only once the budget's time is up, and never without a budget", async () => {
    const ctx = new QueryContext(new Map(), null, new QueryBudget(timed(0.05)));
    expect(() => ctx.checkDeadline()).not.toThrow();
    await Bun.sleep(60);
    expect(() => ctx.checkDeadline()).toThrow(QueryStopped);
    expect(() => new QueryContext().checkDeadline()).not.toThrow();
  });
});

describe("the deadline inside SQLite", () => {
  test("an endless recursive CTE that never yields a row is stopped at its timeout", async () => {
    const { error, ms } = await stopped(ENDLESS, timed(0.3));
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3000);
    expect(error.rows).toBe(0);
    expect(error.statusLine("endless")).toMatch(/^query endless stopped after (0\.[3-9]|[12](\.\d)?) s, 0 rows \(timeout 0\.3 s\)$/);
  });

  test("also inside a subquery, an IN list the planner evaluates, and with a WHERE of its own", async () => {
    const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x > 0) SELECT x FROM c";
    for (const sql of [
      `SELECT * FROM (${ENDLESS})`,
      `SELECT pid FROM processes WHERE pid IN (${endless})`,
      `${endless.replace("SELECT x FROM c", "SELECT max(x) FROM c")}`,
    ]) {
      const { ms } = await stopped(sql, timed(0.2));
      expect(ms).toBeLessThan(3000);
    }
  });

  test("a join of osq tables that never yields a row is stopped (the checkpoint runs in the innermost loop)", async () => {
    const { ms } = await stopped("SELECT count(*) FROM limit_hundred a, limit_hundred b, limit_hundred c, limit_hundred d, limit_hundred e", timed(0.3));
    expect(ms).toBeLessThan(3000);
  });

  test("SQLite calls the checkpoint for every step of a recursion and every row of each loop of a join", () => {
    const db = new Database(":memory:");
    let calls = 0;
    db.function("osq_query_checkpoint", { deterministic: false, varargs: true }, () => ++calls && 1);
    const recursive = withCheckpoints(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000) SELECT count(*) FROM c",
      parse("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000) SELECT count(*) FROM c", { dialect: "sqlite", includeRange: true }),
    );
    expect(recursive).toBe("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE (x < 1000) AND osq_query_checkpoint()) SELECT count(*) FROM c");
    expect(db.prepare(recursive!).values()).toEqual([[1000]]);
    // Once per row taken from the queue (the last one fails x < 1000 first), not hoisted out of the loop.
    expect(calls).toBe(999);

    const table = defineTable({ name: "t", columns: { n: "BIGINT" }, generate: () => [] });
    new MaterialisedTable(db, "t", table, new Set(["n"]), true).insert(Array.from({ length: 20 }, (_, n) => ({ n })));
    calls = 0;
    expect(db.prepare("SELECT count(*) FROM t a, t b, t c").values()).toEqual([[8000]]);
    expect(calls).toBe(20 + 20 * 20 + 20 * 20 * 20);
    db.close();
  });

  test("no checkpoints without a timeout, and none outside recursive CTEs", () => {
    const plain = "WITH c(x) AS (SELECT 1 FROM processes) SELECT * FROM c, (SELECT 2 FROM users)";
    expect(withCheckpoints(plain, parse(plain, { dialect: "sqlite", includeRange: true }))).toBeNull();
  });
});

describe("max_rows", () => {
  test("rows are counted as they are stepped: the first row too many stops the query, exactly max_rows is fine", async () => {
    const endlessRows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c";
    const { error, ms } = await stopped(endlessRows, rows(100));
    expect(ms).toBeLessThan(3000);
    expect(error.rows).toBe(101);
    expect(error.limit).toBe("max_rows 100");
    expect((await runQuery("select * from limit_hundred", { limits: rows(100) })).rows.length).toBe(100);
    await stopped("select * from limit_hundred", rows(99));
  });

  test("a result with two columns of one name is counted too", async () => {
    const r = await runQuery("select n as a, label as a from limit_hundred where n < 3", { limits: rows(3) });
    expect(r.rows).toEqual([
      [0n, "row 0"],
      [1n, "row 1"],
      [2n, "row 2"],
    ]);
    await stopped("select n as a, label as a from limit_hundred", rows(3));
  });
});

describe("limits change nothing for a query within them", () => {
  const SAME = [
    "select 1",
    "select 1 as a, 2 as a",
    "select * from limit_hundred",
    "select a.n, b.label from limit_hundred a join limit_hundred b on a.n = b.n + 1 where a.n % 7 = 0",
    "select u.username, g.groupname, u.uid from users u join groups g on u.gid = g.gid",
    "select u.username, g.groupname from users u left join groups g on u.uid = g.gid",
    "select u.username, count(*) from users u, groups g where u.gid <= g.gid group by u.username",
    "select rowid, username from users",
    "select username, uuid from users where uid in (select gid from groups)",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 50) SELECT x, x * x FROM c",
    "select * from (select username from users) join (select groupname from groups) limit 40",
  ];
  const typed = (r: QueryResult) => ({ columns: r.columns, rows: r.rows });

  test("the same columns, declared types and rows, in the same order", async () => {
    for (const sql of SAME) {
      const without = typed(await runQuery(sql));
      const within = typed(await runQuery(sql, { limits: { timeout: 60, maxRows: 100000 } }));
      expect({ sql, ...within }).toEqual({ sql, ...without });
    }
  });

  test("the plan trace is the same", async () => {
    const sql = "select u.username, g.groupname from users u join groups g on u.gid = g.gid where u.uid in (0, 1)";
    const without: string[] = [];
    const within: string[] = [];
    await runQuery(sql, { trace: without });
    await runQuery(sql, { trace: within, limits: timed(60) });
    expect(within).toEqual(without);
    expect(within.length).toBe(2);
  });
});

test("a config view with an endless recursive CTE is stopped too; a finite one answers as without limits", async () => {
  const views = new Map([
    ["endless_view", ENDLESS],
    ["finite_view", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 10) SELECT sum(x) AS total FROM c"],
  ]);
  const t0 = performance.now();
  await expect(runQuery("select * from endless_view", { views, limits: timed(0.2) })).rejects.toBeInstanceOf(QueryStopped);
  expect(performance.now() - t0).toBeLessThan(3000);
  const r = await runQuery("select total from finite_view", { views, limits: timed(60) });
  expect(r.rows).toEqual([[55n]]);
});
