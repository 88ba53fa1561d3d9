// Result lines byte for byte (INTERFACES §5): key order, numbers vs strings,
// sorted row keys, logger_numerics, batch / event / snapshot shapes,
// decorations and decorations_top_level, and the \xHH escaping of §6.
import { describe, expect, test } from "bun:test";
import { batchLine, calendarTime, eventLines, snapshotLine, type QueryLogItem } from "../../src/daemon/results.ts";
import { escapeText, jsonReal, jsonString, typedRows } from "../../src/daemon/rows.ts";

const rows = typedRows(
  [
    { name: "pid", type: "BIGINT" },
    { name: "name", type: "TEXT" },
    { name: "cpu", type: "DOUBLE" },
    { name: "gone", type: "TEXT" },
  ],
  [
    [1n, "init", 2, null],
    [42n, 'say "hi"', 0.25, "x"],
  ],
);

const item: QueryLogItem = {
  name: "procs",
  hostIdentifier: "host1",
  calendarTime: "Mon May  2 22:27:32 2016 UTC",
  unixTime: 1462228052,
  epoch: "0",
  counter: 3,
  decorations: new Map(),
  results: { added: [rows[1]!], removed: [rows[0]!] },
  snapshot: null,
};
const plain = { numerics: false, decorationsTopLevel: false };
const COMMON = `"name":"procs","hostIdentifier":"host1","calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,"epoch":0,"counter":3`;
const ROW0 = `{"cpu":"2.0","gone":"","name":"init","pid":"1"}`;
const ROW1 = `{"cpu":"0.25","gone":"x","name":"say \\"hi\\"","pid":"42"}`;

describe("result lines", () => {
  test("event format: common fields, columns with sorted keys, removed before added", () => {
    expect(eventLines(item, plain)).toEqual([
      `{${COMMON},"numerics":false,"columns":${ROW0},"action":"removed"}`,
      `{${COMMON},"numerics":false,"columns":${ROW1},"action":"added"}`,
    ]);
  });

  test("batch format: diffResults first, removed before added", () => {
    expect(batchLine(item, plain)).toBe(`{"diffResults":{"removed":[${ROW0}],"added":[${ROW1}]},${COMMON},"numerics":false}`);
  });

  test("batch format with no rows still has both lists", () => {
    const empty = { ...item, counter: 0, results: { added: [], removed: [] } };
    expect(batchLine(empty, plain)).toStartWith(`{"diffResults":{"removed":[],"added":[]},"name":"procs"`);
    expect(eventLines(empty, plain)).toEqual([]);
  });

  test("logger_numerics: integers and reals as JSON numbers, numerics:true", () => {
    const [line] = eventLines({ ...item, results: { added: [rows[0]!], removed: [] } }, { numerics: true, decorationsTopLevel: false });
    expect(line).toBe(`{${COMMON},"numerics":true,"columns":{"cpu":2.0,"gone":"","name":"init","pid":1},"action":"added"}`);
  });

  test("snapshot: one line even when empty, counter as given (0), or one event line per row", () => {
    const snap = { ...item, counter: 0, snapshot: rows };
    expect(snapshotLine(snap, plain)).toBe(
      `{"snapshot":[${ROW0},${ROW1}],"action":"snapshot","name":"procs","hostIdentifier":"host1","calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,"epoch":0,"counter":0,"numerics":false}`,
    );
    expect(snapshotLine({ ...snap, snapshot: [] }, plain)).toStartWith(`{"snapshot":[],"action":"snapshot",`);
    const events = eventLines(snap, plain);
    expect(events).toHaveLength(2);
    expect(events[1]).toEndWith(`"columns":${ROW1},"action":"snapshot"}`);
    expect(eventLines({ ...snap, snapshot: [] }, plain)).toEqual([]);
  });

  test("decorations: an object after numerics, keys sorted as given", () => {
    const dec = { ...item, decorations: new Map([["host_uuid", "U"], ["username", "root"]]) };
    expect(batchLine(dec, plain)).toEndWith(`"numerics":false,"decorations":{"host_uuid":"U","username":"root"}}`);
  });

  test("decorations_top_level: keys at top level; a clash replaces the field the rapidjson way", () => {
    const dec = { ...item, decorations: new Map([["counter", "c"], ["zone", "z"]]) };
    // Removing "counter" moves the last member ("numerics") into its slot; "counter" is appended.
    expect(batchLine(dec, { numerics: false, decorationsTopLevel: true })).toBe(
      `{"diffResults":{"removed":[${ROW0}],"added":[${ROW1}]},"name":"procs","hostIdentifier":"host1","calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,"epoch":0,"numerics":false,"counter":"c","zone":"z"}`,
    );
  });

  test("calendarTime is asctime in UTC with a space-padded day", () => {
    expect(calendarTime(new Date(Date.UTC(2016, 4, 2, 22, 27, 32)))).toBe("Mon May  2 22:27:32 2016 UTC");
    expect(calendarTime(new Date(Date.UTC(2024, 11, 31, 0, 0, 5)))).toBe("Tue Dec 31 00:00:05 2024 UTC");
  });
});

describe("values", () => {
  test("control characters become the literal \\xHH text; printable text is untouched", () => {
    expect(escapeText("a\nb\tc\x1f")).toBe("a\\x0Ab\\x09c\\x1F");
    expect(escapeText("héllo ✓")).toBe("héllo ✓");
    expect(escapeText("bad \ud800 surrogate")).toBe("bad \\xEF\\xBF\\xBD surrogate");
    // The escaped text then goes through JSON: the backslash itself is escaped.
    expect(jsonString(escapeText("a\nb"))).toBe('"a\\\\x0Ab"');
  });

  test("JSON strings use rapidjson's upper-case \\u escapes", () => {
    expect(jsonString("\x01\x1f")).toBe('"\\u0001\\u001F"');
    expect(jsonString("\\u001f")).toBe('"\\\\u001f"');
  });

  test("reals as rapidjson writes them with numerics", () => {
    expect(jsonReal(2)).toBe("2.0");
    expect(jsonReal(0.1)).toBe("0.1");
    expect(jsonReal(-3.5)).toBe("-3.5");
    expect(jsonReal(1e300)).toBe("1e300");
  });

  test("a repeated column name keeps its last value; NULL becomes empty text", () => {
    const [r] = typedRows([{ name: "a", type: "" }, { name: "a", type: "" }, { name: "b", type: "" }], [[1n, 2n, null]]);
    expect(r).toEqual([["a", 2n], ["b", ""]]);
  });
});
