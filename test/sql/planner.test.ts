// The analyser and planner, one test per constraint shape (DESIGN "The query
// path"): what reaches a generator for each way SQL can constrain a table.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerExtensionTable } from "../../src/registry.ts";
import { checkViews, runQuery, QueryError } from "../../src/sql/engine.ts";
import { defineTable, Op, type QueryContext } from "../../src/table.ts";

/** Every context the spy tables' generators received, per table. */
const seen: Record<string, QueryContext[]> = { spy_files: [], spy_procs: [], spy_plain: [] };

const PROCS = [
  { pid: 1, name: "init", path: "/sbin/init" },
  { pid: 2, name: "kthreadd", path: "" },
  { pid: 42, name: "bash", path: "/bin/bash" },
];

beforeAll(() => {
  // spy_files behaves like `hash`: a required path, one row per asked path.
  registerExtensionTable(
    defineTable({
      name: "spy_files",
      columns: { path: "TEXT required", directory: "TEXT required", size: "BIGINT", secret: "TEXT hidden" },
      generate(ctx) {
        seen.spy_files!.push(ctx);
        return ctx.equals("path").map((p) => ({ path: p, directory: p.replace(/\/[^/]*$/, ""), size: p.length, secret: "s" }));
      },
    }),
  );
  registerExtensionTable(
    defineTable({
      name: "spy_procs",
      columns: { pid: "BIGINT index", name: "TEXT", path: "TEXT" },
      generate(ctx) {
        seen.spy_procs!.push(ctx);
        return PROCS;
      },
    }),
  );
  registerExtensionTable(
    defineTable({
      name: "spy_broken",
      columns: { a: "INTEGER" },
      async generate() {
        await Bun.sleep(1);
        throw new Error("permission denied reading /nowhere");
      },
    }),
  );
  registerExtensionTable(
    defineTable({
      name: "spy_user_data",
      userData: true,
      columns: { uid: "BIGINT index", item: "TEXT" },
      generate(ctx) {
        return ctx.equals("uid").map((u) => ({ uid: u, item: `item-${u}` }));
      },
    }),
  );
  registerExtensionTable(
    defineTable({
      name: "spy_plain",
      columns: { a: "INTEGER", b: "TEXT" },
      generate(ctx) {
        seen.spy_plain!.push(ctx);
        return [{ a: 1, b: "x" }, { a: 2, b: "y" }];
      },
    }),
  );
});

function reset(): void {
  for (const k of Object.keys(seen)) seen[k] = [];
}

function constraints(ctx: QueryContext | undefined, col: string): [number, string][] {
  return (ctx?.constraints.get(col) ?? []).map((c) => [c.op, c.expr]);
}

async function rows(sql: string): Promise<unknown[][]> {
  return (await runQuery(sql)).rows.map((r) => r.map((v) => (typeof v === "bigint" ? Number(v) : v)));
}

describe("literal constraints", () => {
  test("col = literal", async () => {
    reset();
    expect(await rows("select size from spy_files where path = '/etc/hosts'")).toEqual([[10]]);
    expect(constraints(seen.spy_files![0], "path")).toEqual([[Op.EQUALS, "/etc/hosts"]]);
  });

  test("literal = col (reversed) and a constant expression", async () => {
    reset();
    await rows("select * from spy_files where '/a' || '/b' = path");
    expect(constraints(seen.spy_files![0], "path")).toEqual([[Op.EQUALS, "/a/b"]]);
  });

  test("IN list", async () => {
    reset();
    expect((await rows("select path from spy_files where path in ('/a', '/b', '/c') order by path")).length).toBe(3);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/a", "/b", "/c"]);
  });

  test("OR of equalities on one column is an IN list", async () => {
    reset();
    await rows("select * from spy_files where path = '/x' or path = '/y'");
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/x", "/y"]);
  });

  test("an OR whose branches all constrain a required column: one generator call per branch, rows unioned", async () => {
    reset();
    const got = await rows("select path from spy_files where path in ('/a', '/b') or path = '/c'");
    expect(seen.spy_files!.map((c) => c.equals("path"))).toEqual([["/a", "/b"], ["/c"]]);
    expect(got.map((r) => r[0]).sort()).toEqual(["/a", "/b", "/c"]);
  });

  test("OR branches with different operators each reach the generator alone", async () => {
    reset();
    await rows("select path from spy_files where path = '/a' or path like '/b%'");
    expect(seen.spy_files!).toHaveLength(2);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/a"]);
    expect(seen.spy_files![0]!.constraints.get("path")!.map((c) => c.op)).toEqual([Op.EQUALS]);
    expect(seen.spy_files![1]!.constraints.get("path")!.map((c) => [c.op, c.expr])).toEqual([[Op.LIKE, "/b%"]]);
  });

  test("a row two OR branches both return appears once", async () => {
    reset();
    const got = await rows("select path from spy_files where path = '/a' or path in ('/a', '/b')");
    expect(seen.spy_files!).toHaveLength(2);
    expect(got.map((r) => r[0]).sort()).toEqual(["/a", "/b"]);
  });

  test("AND-ed constraints go with every OR branch", async () => {
    reset();
    await rows("select path from spy_files where size > 1 and (path = '/a' or path like '/b%')");
    expect(seen.spy_files!).toHaveLength(2);
    for (const c of seen.spy_files!) expect(c.constraints.get("size")!.map((x) => [x.op, x.expr])).toEqual([[Op.GREATER_THAN, "1"]]);
  });

  test("an OR with a branch that constrains no required column still fails as osquery does", async () => {
    reset();
    await expect(rows("select path from spy_files where path = '/a' or size > 1")).rejects.toThrow("constraint failed");
    expect(seen.spy_files!).toHaveLength(0);
  });

  test("an OR of an indexed column's branches reaches the generator branch by branch", async () => {
    reset();
    const got = await rows("select pid from spy_procs where pid = 1 or pid in (42, 2)");
    expect(seen.spy_procs!.map((c) => c.equals("pid"))).toEqual([["1"], ["42", "2"]]);
    expect(got.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual([1, 2, 42]);
  });

  test("OR across columns is not pushed down", async () => {
    reset();
    await rows("select * from spy_procs where pid = 1 or name = 'bash'");
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
  });

  test("LIKE and GLOB", async () => {
    reset();
    await rows("select * from spy_files where path like '/etc/%' and directory glob '/e*'");
    expect(constraints(seen.spy_files![0], "path")).toEqual([[Op.LIKE, "/etc/%"]]);
    expect(constraints(seen.spy_files![0], "directory")).toEqual([[Op.GLOB, "/e*"]]);
  });

  test("comparisons, including mirrored ones", async () => {
    reset();
    expect(await rows("select pid from spy_procs where pid > 1 and pid <= 42 and 50 > pid and pid >= 2 and pid < 100 order by pid")).toEqual([[2], [42]]);
    expect(constraints(seen.spy_procs![0], "pid")).toEqual([
      [Op.GREATER_THAN, "1"],
      [Op.LESS_THAN_OR_EQUALS, "42"],
      [Op.LESS_THAN, "50"],
      [Op.GREATER_THAN_OR_EQUALS, "2"],
      [Op.LESS_THAN, "100"],
    ]);
  });

  test("negative numbers and aliases", async () => {
    reset();
    await rows("select * from spy_procs p where p.pid = -1");
    expect(constraints(seen.spy_procs![0], "pid")).toEqual([[Op.EQUALS, "-1"]]);
  });
});

describe("joins and subqueries", () => {
  test("ON join feeds a required column from the other table", async () => {
    reset();
    const r = await rows("select p.pid, f.size from spy_procs p join spy_files f on f.path = p.path where p.pid in (1, 42) order by p.pid");
    expect(r).toEqual([[1, 10], [42, 9]]);
    // Only the paths of the processes that pass p's own filters are asked for.
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(["/bin/bash", "/sbin/init"]);
  });

  test("WHERE join (comma join) in either order", async () => {
    reset();
    await rows("select * from spy_files f, spy_procs p where p.path = f.path and p.name = 'bash'");
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("USING", async () => {
    reset();
    const r = await rows("select path, size from spy_procs join spy_files using (path) where name = 'init'");
    expect(r).toEqual([["/sbin/init", 10]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/sbin/init"]);
  });

  test("IN (SELECT ...) feeds a required column", async () => {
    reset();
    const r = await rows("select path from spy_files where path in (select path from spy_procs where pid = 42)");
    expect(r).toEqual([["/bin/bash"]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("= (SELECT ...) feeds a required column", async () => {
    reset();
    await rows("select path from spy_files where path = (select path from spy_procs where pid = 1)");
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/sbin/init"]);
  });

  test("inside a CTE and a subquery in FROM", async () => {
    reset();
    const r = await rows("with x as (select path from spy_files where path = '/cte') select * from (select path from x) y");
    expect(r).toEqual([["/cte"]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/cte"]);
  });

  test("correlated subquery: the inner table is fed by the outer one", async () => {
    reset();
    const r = await rows("select pid from spy_procs p where exists (select 1 from spy_files f where f.path = p.path and f.size > 9) order by pid");
    expect(r).toEqual([[1]]);
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(["", "/bin/bash", "/sbin/init"]);
  });

  test("LEFT JOIN: ON terms on the left table are not pushed to it", async () => {
    reset();
    const r = await rows("select p.pid, f.size from spy_procs p left join spy_files f on f.path = p.path and p.pid = 1 order by p.pid");
    expect(r).toEqual([[1, 10], [2, null], [42, null]]);
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
  });

  test("a join whose source is empty never calls the generator", async () => {
    reset();
    expect(await rows("select * from spy_procs p join spy_files f on f.path = p.path where p.pid = 999")).toEqual([]);
    expect(seen.spy_files!.length).toBe(0);
  });

  test("two references to one table are merged without duplicates", async () => {
    reset();
    const r = await rows("select count(*) from spy_files a, spy_files b where a.path = '/1' and b.path in ('/1', '/2')");
    expect(r).toEqual([[2]]);
  });

  test("the merge knows a row again by its integers: a fresh row's numbers match the bigints read back", async () => {
    reset();
    // size is stored: the '/1' row of the second generation must be seen as the first one's.
    const r = await rows("select a.path, a.size, b.path, b.size from spy_files a, spy_files b where a.path = '/1' and b.path in ('/1', '/2') order by b.path");
    expect(r).toEqual([["/1", 2, "/1", 2], ["/1", 2, "/2", 2]]);
  });
});

describe("required columns, hidden columns, the gate", () => {
  test("no constraint on a required column is refused", async () => {
    reset();
    const e = await runQuery("select * from spy_files").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).message).toBe("constraint failed");
    expect((e as QueryError).code).toBe(19);
    expect((e as QueryError).warnings[0]).toBe("Table spy_files was queried without a required column in the WHERE clause");
    expect(seen.spy_files!.length).toBe(0);
  });

  test("a constraint on a non-required column does not satisfy it", async () => {
    await expect(runQuery("select * from spy_files where size = 1")).rejects.toThrow("constraint failed");
  });

  test("hidden columns appear only when named", async () => {
    const star = await runQuery("select * from spy_files where path = '/a'");
    expect(star.columns.map((c) => c.name)).toEqual(["path", "directory", "size"]);
    const named = await runQuery("select secret from spy_files where path = '/a'");
    expect(named.rows).toEqual([["s"]]);
  });

  test("colsUsed lists the columns the SQL names", async () => {
    reset();
    await runQuery("select name from spy_procs where pid = 1");
    expect([...(seen.spy_procs![0]!.colsUsed ?? [])].sort()).toEqual(["name", "pid"]);
  });

  test.each([
    "attach database '/tmp/osq-attach-test.db' as x",
    "detach database main",
    "vacuum into '/tmp/osq-vacuum-test.db'",
    "insert into spy_plain values (1, 'x')",
    "create table t(a)",
    "pragma writable_schema = 1",
    "select 1; attach database '/tmp/osq-attach-test.db' as x",
  ])("refused before it runs: %s", async (sql) => {
    const e = await runQuery(sql).catch((x: unknown) => x);
    expect((e as QueryError).message).toBe("not authorized");
    expect(await Bun.file("/tmp/osq-attach-test.db").exists()).toBe(false);
    expect(await Bun.file("/tmp/osq-vacuum-test.db").exists()).toBe(false);
  });

  test("a failing generator names its table and the reason", async () => {
    const e = await runQuery("select * from spy_plain, spy_broken").catch((x: unknown) => x);
    expect((e as QueryError).message).toBe("Error generating table spy_broken: permission denied reading /nowhere");
  });

  test("read-only pragmas still run", async () => {
    const r = await runQuery("pragma table_info(sqlite_master)");
    expect(r.rows.length).toBeGreaterThan(0);
  });

  test("declared types come back with the columns", async () => {
    const r = await runQuery("select pid, name, 1 as x from spy_procs where pid = 1");
    expect(r.columns.map((c) => c.type)).toEqual(["BIGINT", "TEXT", ""]);
  });

  test("the plan trace names each reference and its constraints", async () => {
    const trace: string[] = [];
    await runQuery("select * from spy_procs p join spy_files f using (path) where p.pid = 42", { trace });
    expect(trace).toEqual(['spy_procs AS p: pid = "42"', 'spy_files AS f: path = "/bin/bash"']);
  });
});

describe("table names the parser reads as keywords", () => {
  test("groups is analysed (not the fallback): its constraint reaches the generator", async () => {
    const trace: string[] = [];
    const r = await runQuery("select g.groupname from groups g where g.gid = 0", { trace });
    expect(trace).toEqual(['groups AS g: gid = "0"']);
    expect(r.rows.length).toBe(1);
    const plain: string[] = [];
    await runQuery("select groups.gid from groups where groups.gid = 0", { trace: plain });
    expect(plain).toEqual(['groups: gid = "0"']);
  });

  test("a column named like a keyword (match) keeps the query analysed: the uid still reaches the generator", async () => {
    for (const sql of [
      "select match, script from chrome_extension_content_scripts where uid = 0",
      "select c.match from chrome_extension_content_scripts c where c.uid = 0",
      "select script from chrome_extension_content_scripts where match like '%x%' and uid = 0",
    ]) {
      const trace: string[] = [];
      await runQuery(sql, { trace });
      expect([sql, trace.map((t) => t.replace(/^.*?: /, ""))]).toEqual([sql, [expect.stringContaining('uid = "0"')]]);
    }
    // The MATCH operator is left alone: SQLite itself answers (it has no full-text table here).
    await expect(runQuery("select 'a' match 'a'")).rejects.toThrow(/MATCH/);
  });
});

describe("derived tables: subqueries in FROM, CTEs and views", () => {
  const ALL_PATHS = ["", "/bin/bash", "/sbin/init"];

  test("a subquery in FROM is the source of a join", async () => {
    reset();
    const r = await rows("select count(*) from (select path from spy_procs where pid = 42) t cross join spy_files f on f.path = t.path");
    expect(r).toEqual([[1]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("a CTE is the source of a join", async () => {
    reset();
    const r = await rows("with t as (select path from spy_procs where pid = 42) select count(*) from t cross join spy_files f on f.path = t.path");
    expect(r).toEqual([[1]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("a CTE feeds USING, with its own WHERE applied", async () => {
    reset();
    const r = await rows("with c as (select path from spy_procs) select c.path, size from c cross join spy_files using (path) where c.path like '/%' order by 1");
    expect(r).toEqual([["/bin/bash", 9], ["/sbin/init", 10]]);
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(["/bin/bash", "/sbin/init"]);
  });

  test("a CTE feeds USING over all its rows", async () => {
    reset();
    await rows("with c as (select path from spy_procs) select count(*) from c cross join spy_files using (path)");
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(ALL_PATHS);
  });

  test("nested CTEs", async () => {
    reset();
    const r = await rows("with a as (select path from spy_procs where pid = 1), b as (select path as p from a) select f.size from b join spy_files f on f.path = b.p");
    expect(r).toEqual([[10]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/sbin/init"]);
  });

  test("a UNION of branches is a join source", async () => {
    reset();
    const r = await rows("with c(path) as (select path from spy_procs where pid = 1 union select '/x' union all select '/y') select f.path from c join spy_files f using (path) order by 1");
    expect(r).toEqual([["/sbin/init"], ["/x"], ["/y"]]);
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(["/sbin/init", "/x", "/y"]);
  });

  test("IN (SELECT col FROM cte)", async () => {
    reset();
    const r = await rows("with c as (select path from spy_procs where pid = 42) select path from spy_files where path in (select path from c)");
    expect(r).toEqual([["/bin/bash"]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("an outer constraint reaches the table inside a subquery, a CTE and each UNION branch", async () => {
    reset();
    expect(await rows("select size from (select * from spy_files) where path = '/sub'")).toEqual([[4]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/sub"]);
    reset();
    expect(await rows("with c as (select path p, size from spy_files) select size from c where p = '/cte'")).toEqual([[4]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/cte"]);
    reset();
    const r = await rows("select count(*) from (select path from spy_files union all select directory from spy_files) u where u.path in ('/a/b', '/c')");
    expect(r).toEqual([[2]]);
    expect(seen.spy_files!.map((c) => c.equals("path"))).toEqual([["/a/b", "/c"], []]);
    expect(seen.spy_files![1]!.equals("directory")).toEqual(["/a/b", "/c"]);
  });

  test("a join constraint reaches the table inside a CTE", async () => {
    reset();
    const r = await rows("with f as (select path, size from spy_files) select p.pid, f.size from spy_procs p join f on f.path = p.path where p.pid = 42");
    expect(r).toEqual([[42, 9]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/bin/bash"]);
  });

  test("nothing is pushed through LIMIT, an aggregate or a window", async () => {
    reset();
    expect(await rows("select pid from (select pid from spy_procs limit 1) where pid = 42")).toEqual([]);
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
    reset();
    expect(await rows("select pid from (select max(pid) as pid from spy_procs) where pid = 1")).toEqual([]);
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
    reset();
    expect(await rows("select n from (select pid, row_number() over () as n from spy_procs) where pid = 42")).toEqual([[3]]);
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
  });

  test("GROUP BY: only a group key is pushed", async () => {
    reset();
    expect(await rows("select c from (select name, pid, count(*) c from spy_procs group by name) where pid = 42")).toEqual([[1]]);
    expect(seen.spy_procs![0]!.constraints.size).toBe(0);
    reset();
    expect(await rows("select c from (select pid, count(*) c from spy_procs group by pid) where pid = 42")).toEqual([[1]]);
    expect(constraints(seen.spy_procs![0], "pid")).toEqual([[Op.EQUALS, "42"]]);
  });

  test("a recursive CTE gets nothing pushed into it", async () => {
    reset();
    const r = await rows("with recursive r(pid) as (select pid from spy_procs where pid = 1 union all select pid + 1 from r where pid < 3) select pid from r where pid = 3");
    expect(r).toEqual([[3]]);
    expect(constraints(seen.spy_procs![0], "pid")).toEqual([[Op.EQUALS, "1"]]);
  });

  test("the plan trace shows the values a derived table pushed", async () => {
    const trace: string[] = [];
    await runQuery("with t as (select path from spy_procs where pid = 42) select * from t join spy_files f using (path)", { trace });
    expect(trace).toEqual(['spy_procs: pid = "42"', 'spy_files AS f: path = "/bin/bash"']);
  });
});

describe("per-user tables", () => {
  test("fed by an empty CTE, a per-user table is neither called nor warned about", async () => {
    const warnings: string[] = [];
    const r = await runQuery("with u as (select pid as uid from spy_procs where pid > 100) select item from u cross join spy_user_data using (uid)", { warnings });
    expect(r.rows).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test("fed by a CTE of uids, it gets every uid and no warning", async () => {
    const warnings: string[] = [];
    const r = await runQuery("with u as (select pid as uid from spy_procs) select item from u cross join spy_user_data using (uid) order by 1", { warnings });
    expect(r.rows).toEqual([["item-1"], ["item-2"], ["item-42"]]);
    expect(warnings).toEqual([]);
  });
});

describe("config views", () => {
  test("a constraint on the view reaches the table inside it", async () => {
    reset();
    const views = new Map([["vf", "select path, size from spy_files"]]);
    const r = await runQuery("select size from vf where path = '/view'", { views });
    expect(r.rows).toEqual([[5n]]);
    expect(seen.spy_files![0]!.equals("path")).toEqual(["/view"]);
  });

  test("a view is the source of a join, and views can use views", async () => {
    reset();
    const views = new Map([
      ["vp", "select path from spy_procs where pid in (1, 42)"],
      ["vp2", "select * from vp"],
    ]);
    const r = await runQuery("select f.path from vp2 cross join spy_files f using (path) order by 1", { views });
    expect(r.rows).toEqual([["/bin/bash"], ["/sbin/init"]]);
    expect(seen.spy_files![0]!.equals("path").sort()).toEqual(["/bin/bash", "/sbin/init"]);
  });

  test("a view over groups (a keyword to the parser) works and takes constraints", async () => {
    const trace: string[] = [];
    const views = new Map([["vg", "select gid, groupname from groups"]]);
    const r = await runQuery("select groupname from vg where gid = 0", { views, trace });
    expect(r.rows).toEqual([["root"]]);
    expect(trace).toEqual(['groups: gid = "0"']);
  });

  test("a broken view fails as osquery does; its syntax error is the config's to report, not the query's", async () => {
    const views = new Map([["vbad", "select * form spy_plain"]]);
    expect(checkViews(views)).toEqual(['Error creating view (vbad): near "form": syntax error']);
    const e = await runQuery("select * from vbad", { views }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).message).toBe("no such table: vbad");
    expect((e as QueryError).warnings).toEqual([]);
  });

  test("a view the parser cannot read still runs, its tables filled whole", async () => {
    reset();
    // `IN ()` is valid SQLite that sql-parser-cst rejects.
    const views = new Map([["vq", "select a from spy_plain where a > 1 and a not in ()"]]);
    const r = await runQuery("select a from vq", { views });
    expect(r.rows).toEqual([[2n]]);
  });
});

describe("config views that must not be created", () => {
  test("a view body with a second statement is refused, and nothing it names is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-view-attach-"));
    const target = join(dir, "attached.db");
    const views = new Map([["vx", `select 1 as a; attach database '${target}' as y`]]);
    expect(checkViews(views)).toEqual(["Error creating view (vx): not authorized"]);
    const e = await runQuery("select * from vx", { views }).catch((x: unknown) => x);
    expect((e as QueryError).message).toBe("no such table: vx");
    expect(existsSync(target)).toBe(false);
  });

  test("a view named like an osq table fails as in osquery; the table still answers", async () => {
    const views = new Map([["spy_plain", "select 1 as a"]]);
    expect(checkViews(views)).toEqual(["Error creating view (spy_plain): table spy_plain already exists"]);
    const warnings: string[] = [];
    const r = await runQuery("select count(*) from spy_plain", { views, warnings });
    expect(r.rows).toEqual([[2n]]);
    expect(warnings).toEqual([]);
  });
});

describe("repeated references", () => {
  test("a CTE used in two UNION branches generates its table once", async () => {
    reset();
    const trace: string[] = [];
    const r = await runQuery(
      "with c as (select path from spy_procs) select f.path from c cross join spy_files f using (path) union select g.directory from c cross join spy_files g using (path)",
      { trace },
    );
    expect(r.rows.length).toBeGreaterThan(0);
    expect(seen.spy_procs!.length).toBe(1);
    expect(seen.spy_files!.length).toBe(1);
    expect(trace.filter((l) => l.endsWith("(rows already generated)")).length).toBe(2);
  });

  test("different constraints still generate again", async () => {
    reset();
    await runQuery("select count(*) from spy_files a, spy_files b where a.path = '/1' and b.path = '/2'");
    expect(seen.spy_files!.map((c) => c.equals("path"))).toEqual([["/1"], ["/2"]]);
  });
});

describe("coercion to the declared types", () => {
  // Each generator value with what an INTEGER column stores: SQLite's typeof and the value read back exactly.
  const CASES: [unknown, string, bigint | null][] = [
    [7, "integer", 7n],
    [-0, "integer", 0n],
    [2 ** 40 + 3, "integer", 1099511627779n],
    [Number.MAX_SAFE_INTEGER, "integer", 9007199254740991n],
    [2 ** 60, "integer", 1152921504606846976n],
    [1.7, "integer", 1n],
    [9223372036854775813n, "integer", -9223372036854775803n],
    [-9007199254740993n, "integer", -9007199254740993n],
    [" 42 ", "integer", 42n],
    ["9007199254740993", "integer", 9007199254740993n],
    ["-0", "integer", 0n],
    ["12abc", "null", null],
    [true, "integer", 1n],
    [Number.NaN, "null", null],
    [null, "null", null],
  ];
  beforeAll(() => {
    registerExtensionTable(
      defineTable({
        name: "spy_coerced",
        columns: { i: "INTEGER", v: "BIGINT" },
        generate: () => CASES.map(([v], i) => ({ i, v: v as never })),
      }),
    );
  });

  test("integers are stored as integers, exactly, however the generator gives them", async () => {
    const r = await runQuery("select v, typeof(v) from spy_coerced order by i");
    expect(r.rows.map(([v, t], i) => [CASES[i]![0], t, v])).toEqual(CASES.map(([v, t, stored]) => [v, t, stored]));
  });
});

describe("columns the query does not read", () => {
  /** How often spy_counted's rows were asked for their `c`, the one costly column. */
  let reads = 0;
  beforeAll(() => {
    registerExtensionTable(
      defineTable({
        name: "spy_counted",
        columns: { a: "INTEGER", b: "TEXT", c: "BIGINT", d: "TEXT hidden" },
        generate() {
          return [1, 2, 3].map((a) => ({
            a,
            b: `row ${a}`,
            d: "hidden",
            get c() {
              reads++;
              return a * 10;
            },
          }));
        },
      }),
    );
    registerExtensionTable(
      defineTable({ name: "spy_paths", columns: { path: "TEXT" }, generate: () => [{ path: "/bin/bash" }] }),
    );
  });

  test("a column the SQL never names is neither coerced nor stored", async () => {
    reads = 0;
    expect(await rows("select a, b from spy_counted order by a")).toEqual([[1, "row 1"], [2, "row 2"], [3, "row 3"]]);
    expect(reads).toBe(0);
    expect(await rows("select sum(c) from spy_counted")).toEqual([[60]]);
    expect(reads).toBe(3);
  });

  test("* still stores every visible column, in schema order", async () => {
    reads = 0;
    const r = await runQuery("select * from spy_counted where a = 2");
    expect(r.columns.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(r.rows).toEqual([[2n, "row 2", 20n]]);
    expect(reads).toBe(3);
  });

  test("count(*) reads no column: colsUsed holds only what the SQL names", async () => {
    reset();
    expect(await rows("select count(*) from spy_procs")).toEqual([[3]]);
    expect([...(seen.spy_procs![0]!.colsUsed ?? ["(all)"])]).toEqual([]);
    reset();
    expect(await rows("select count(*) filter (where name = 'bash') from spy_procs")).toEqual([[1]]);
    expect([...(seen.spy_procs![0]!.colsUsed ?? ["(all)"])]).toEqual(["name"]);
    reads = 0;
    expect(await rows("select count(*) from spy_counted")).toEqual([[3]]);
    expect(reads).toBe(0);
  });

  test("a NATURAL join compares columns the SQL does not name: they are all kept", async () => {
    reset();
    expect(await rows("select pid from spy_procs natural join spy_paths")).toEqual([[42]]);
    expect(seen.spy_procs![0]!.colsUsed).toBeNull();
  });

  test("statements sharing one query database each see the columns any of them names", async () => {
    expect(await rows("select path from spy_files where path = '/a'; select secret, size from spy_files where path = '/a'")).toEqual([["s", 2]]);
    reads = 0;
    expect(await rows("select a from spy_counted where a = 1; select c from spy_counted where a = 1")).toEqual([[10]]);
  });
});
