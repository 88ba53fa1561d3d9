// Constraint lists of any length through dist/osqueryi: SQLite caps a result
// set at 2000 columns and a statement at 32766 variables, and neither may cut
// what reaches a generator. The files are ones the test writes, so the
// expected counts come from the test itself, not from osq.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-large-lists-"));
const FILES = 5000;
const paths = Array.from({ length: FILES }, (_, i) => join(dir, `f${i}`));
for (const p of paths) writeFileSync(p, "");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Runs SQL given on stdin (a long IN list is past the kernel's limit for one argument). */
function count(sql: string): { code: number; count: string | undefined; stderr: string } {
  const r = osq(["--json"], { stdin: `${sql};\n` });
  const rows = r.code === 0 ? (JSON.parse(r.stdout) as Record<string, string>[]) : [];
  return { code: r.code, count: rows[0]?.["n"], stderr: r.stderr };
}

describe("IN lists longer than SQLite's column limit", () => {
  test.each([2000, 2001, FILES])(
    "file gets every one of %d literal paths",
    (n) => {
      const r = count(`select count(*) as n from file where path in (${paths.slice(0, n).map(quote).join(", ")})`);
      expect(r.stderr).toBe("");
      expect(r).toMatchObject({ code: 0, count: String(n) });
    },
    60_000,
  );

  test(
    "a long IN list on the source side of a join still feeds the joined table",
    () => {
      const list = paths.map(quote).join(", ");
      const r = count(`select count(*) as n from file a join file b on b.path = a.path where a.path in (${list})`);
      expect(r).toMatchObject({ code: 0, count: String(FILES) });
    },
    60_000,
  );

  test(
    "a join whose other side has more distinct values than SQLite has variables",
    () => {
      // 40000 > 32766 (SQLITE_MAX_VARIABLE_NUMBER); only the first FILES exist on disk.
      const sql = `with recursive n(i) as (select 0 union all select i + 1 from n where i < 39999)
        select count(*) as n from file f join (select ${quote(dir)} || '/f' || i as path from n) d on f.path = d.path`;
      expect(count(sql)).toMatchObject({ code: 0, count: String(FILES) });
    },
    60_000,
  );
});

describe("a required value SQLite cannot evaluate", () => {
  test("fails in one line instead of returning no rows", () => {
    const r = osq(["--json", "select count(*) as n from file where path = json('{broken')"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual(["Error: Cannot evaluate the constraint on file.path: malformed JSON"]);
  });
});

describe(".plan with long value lists", () => {
  test("shows five values per column and how many more", () => {
    const r = osq([], { stdin: `.plan select count(*) from file where path in (${paths.map(quote).join(", ")})\n` });
    expect(r.stderr).toBe("");
    const shown = paths.slice(0, 5).map((p) => JSON.stringify(p)).join(", ");
    expect(r.stdout).toBe(`file: path IN (${shown}, ... ${FILES - 5} more)\n`);
  }, 60_000);

  test("counts a repeated value once, as the generator receives it", () => {
    const [a, b] = [paths[0]!, paths[1]!];
    const r = osq([`.plan select * from file where path in (${[a, b, a, b, a].map(quote).join(", ")})`]);
    expect(r.stdout).toBe(`file: path IN (${JSON.stringify(a)}, ${JSON.stringify(b)})\n`);
  });

  test(
    "describes a join of 100000 values without quadratic work",
    () => {
      // Collecting the shown values by re-spreading the list took minutes at this size.
      const sql = `.plan with recursive n(i) as (select 0 union all select i + 1 from n where i < 99999)
        select count(*) from file f join (select ${quote(dir)} || '/f' || i as path from n) d on f.path = d.path`;
      const r = osq([], { stdin: sql.replaceAll("\n", " ") + "\n" });
      expect(r.stderr).toBe("");
      const shown = paths.slice(0, 5).map((p) => JSON.stringify(p)).join(", ");
      expect(r.stdout).toBe(`file AS f: path IN (${shown}, ... 99995 more)\n`);
    },
    30_000,
  );
});
