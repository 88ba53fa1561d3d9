// Each output mode, byte for byte, on one fixed result set (INTERFACES §3).
import { describe, expect, test } from "bun:test";
import { render, type OutputSettings } from "../../src/shell/output.ts";
import type { QueryResult } from "../../src/sql/engine.ts";
import { tool } from "../tools.ts";

const RESULT: QueryResult = {
  columns: [
    { name: "pid", type: "BIGINT" },
    { name: "name", type: "TEXT" },
    { name: "ratio", type: "DOUBLE" },
    { name: "note", type: "TEXT" },
  ],
  rows: [
    [1n, "init", 2, null],
    [1234n, "bäsh", 0.5, 'say "hi", ok'],
  ],
  tables: [],
};
const EMPTY: QueryResult = { columns: RESULT.columns, rows: [], tables: [] };

function settings(over: Partial<OutputSettings> = {}): OutputSettings {
  return { mode: "pretty", separator: "|", headers: true, nullValue: "", flagNullValue: "", widths: [], ...over };
}

describe("output modes", () => {
  test("pretty: widths in code points, NULL as --nullvalue", () => {
    expect(render(RESULT, settings())).toBe(
      [
        "+------+------+-------+--------------+",
        "| pid  | name | ratio | note         |",
        "+------+------+-------+--------------+",
        "| 1    | init | 2.0   |              |",
        "| 1234 | bäsh | 0.5   | say \"hi\", ok |",
        "+------+------+-------+--------------+",
        "",
      ].join("\n"),
    );
  });

  test("pretty: zero rows print nothing", () => {
    expect(render(EMPTY, settings())).toBe("");
  });

  test("json: sorted keys, every value a string", () => {
    expect(render(RESULT, settings({ mode: "json" }))).toBe(
      '[\n  {"name":"init","note":"","pid":"1","ratio":"2.0"},\n  {"name":"bäsh","note":"say \\"hi\\", ok","pid":"1234","ratio":"0.5"}\n]\n',
    );
  });

  test("json: no rows", () => {
    expect(render(EMPTY, settings({ mode: "json" }))).toBe("[\n\n]\n");
  });

  test("json_pretty", () => {
    expect(render({ ...RESULT, rows: [RESULT.rows[0]!] }, settings({ mode: "json_pretty" }))).toBe(
      '[\n  {\n    "name": "init",\n    "note": "",\n    "pid": "1",\n    "ratio": "2.0"\n  }\n]\n',
    );
  });

  test("line: names right-aligned to at least 5, blank line between records", () => {
    expect(render(RESULT, settings({ mode: "line", nullValue: "NULL" }))).toBe(
      "  pid = 1\n name = init\nratio = 2.0\n note = NULL\n\n  pid = 1234\n name = bäsh\nratio = 0.5\n note = say \"hi\", ok\n",
    );
  });

  test("list: separator, header line, .nullvalue", () => {
    expect(render(RESULT, settings({ mode: "list", nullValue: "-" }))).toBe(
      'pid|name|ratio|note\n1|init|2.0|-\n1234|bäsh|0.5|say "hi", ok\n',
    );
    expect(render(RESULT, settings({ mode: "list", headers: false }))).toBe('1|init|2.0|\n1234|bäsh|0.5|say "hi", ok\n');
  });

  test("csv: quoting rules, NULL unquoted", () => {
    expect(render(RESULT, settings({ mode: "csv", separator: "," }))).toBe(
      'pid,name,ratio,note\n1,init,2.0,\n1234,"bäsh",0.5,"say ""hi"", ok"\n',
    );
  });

  test("column: width max(10, header, first row)", () => {
    expect(render(RESULT, settings({ mode: "column" }))).toBe(
      [
        "pid         name        ratio       note      ",
        "----------  ----------  ----------  ----------",
        "1           init        2.0                   ",
        "1234        bäsh        0.5         say \"hi\", ",
        "",
      ].join("\n"),
    );
  });
});

describe("integers", () => {
  test("every integer is printed exactly, past 2^53 and at the int64 ends, as the sqlite3 shell prints it", () => {
    const values = ["0", "-1", "4096", "1764630000", "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808"];
    const sqlite = Bun.spawnSync([tool("sqlite3", "sqlite3"), ":memory:", `select ${values.map((v) => `(${v})`).join(", ")}`]);
    if (sqlite.exitCode !== 0) throw new Error(`sqlite3 failed: ${sqlite.stderr.toString()}`);
    const result: QueryResult = { columns: values.map((v) => ({ name: v, type: "" })), rows: [values.map((v) => BigInt(v))], tables: [] };
    expect(render(result, settings({ mode: "list", headers: false }))).toBe(sqlite.stdout.toString());
  });
});
