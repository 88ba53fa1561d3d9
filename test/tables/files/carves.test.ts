// The carves table and the carve() function on the compiled shell: a carve is
// requested with carve=1 and a path (= or LIKE), only when the carver is on;
// carve() answers with osquery's 13-character texts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { osq, query } from "../../helpers.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-carves-"));
  writeFileSync(join(dir, "one.txt"), "1");
  writeFileSync(join(dir, "two.txt"), "2");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("carve=1 with a LIKE path records one SCHEDULED carve of every match, marked carve=1", () => {
  const rows = query(`SELECT * FROM carves WHERE carve = 1 AND path LIKE '${dir}/%.txt'`, ["--disable_carver=false"]);
  expect(rows.length).toBe(1);
  const r = rows[0]!;
  expect(r.path).toBe(`${dir}/one.txt,${dir}/two.txt`);
  expect(r.status).toBe("SCHEDULED");
  expect(r.carve).toBe("1");
  expect(r.size).toBe("-1");
  expect(r.sha256).toBe("");
  expect(r.carve_guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(r.request_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.request_id).not.toBe(r.carve_guid);
  expect(Math.abs(Number(r.time) - Date.now() / 1000)).toBeLessThan(60);
  expect(Object.keys(r).sort()).toEqual(["carve", "carve_guid", "path", "request_id", "sha256", "size", "status", "time"]);
});

test("with --disable_carver (the default), or without carve=1, or with no path, nothing is requested", () => {
  expect(query(`SELECT * FROM carves WHERE carve = 1 AND path = '${dir}/one.txt'`)).toEqual([]);
  expect(query(`SELECT * FROM carves WHERE path = '${dir}/one.txt'`, ["--disable_carver=false"])).toEqual([]);
  expect(query(`SELECT * FROM carves WHERE carve = 1`, ["--disable_carver=false"])).toEqual([]);
  expect(query(`SELECT * FROM carves WHERE carve = 1 AND path LIKE '${dir}/none%'`, ["--disable_carver=false"])).toEqual([]);
});

test("carve() is off by default and answers osquery's cut text; with --carver_disable_function=false it records one carve of the group's paths", () => {
  const sql = `SELECT carve(path) AS c FROM file WHERE path LIKE '${dir}/%.txt'`;
  expect(query(sql)).toEqual([{ c: "Carve Failed:" }]);
  expect(query(sql, ["--carver_disable_function=false"])).toEqual([{ c: "Carve Started" }]);
  // Both in one shell: the carve() record shows in the carves table that follows.
  const r = osq(["--json", "--carver_disable_function=false"], { stdin: `${sql};\nSELECT path, status, carve FROM carves;\n` });
  expect(r.code).toBe(0);
  const [started, carves] = r.stdout.split(/\n(?=\[)/).map((part) => JSON.parse(part) as unknown);
  expect(started).toEqual([{ c: "Carve Started" }]);
  expect(carves).toEqual([{ path: `${dir}/one.txt,${dir}/two.txt`, status: "SCHEDULED", carve: "0" }]);
});
