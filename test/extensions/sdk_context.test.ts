// The SDK's half of the table-plugin protocol against osquery's documented
// values (INTERFACES §9): the route's ColumnOptions bits, type names and
// alias entries, and osquery's context JSON read back as a QueryContext.
import { expect, test } from "bun:test";
import { columnOptions, parseContext, rowToStrings, tableRoute } from "../../sdk/context.ts";
import { Op, defineTable } from "../../src/table.ts";

const table = defineTable({
  name: "sdk_shapes",
  aliases: ["sdk_shapes_old"],
  columns: {
    path: "TEXT required index",
    size: "UNSIGNED_BIGINT",
    seen: "DATETIME hidden",
    version: "TEXT collate=version",
    name: "TEXT collate=nocase aliases=title",
    extra: "INTEGER additional optimized",
  },
  cacheable: true,
  generate: () => [],
});

test("the route carries osquery's type names, ColumnOptions bits, aliases and attributes", () => {
  expect(tableRoute(table)).toEqual([
    { id: "column", name: "path", type: "TEXT", op: "3" }, // INDEX 1 | REQUIRED 2
    { id: "column", name: "size", type: "UNSIGNED BIGINT", op: "0" },
    { id: "column", name: "seen", type: "TEXT", op: "16" }, // DATETIME is TEXT to osquery; HIDDEN 16
    { id: "column", name: "version", type: "TEXT", op: "256" }, // COLLATEVERSION
    { id: "column", name: "name", type: "TEXT", op: "64" }, // COLLATENOCASE
    { id: "column", name: "extra", type: "INTEGER", op: "12" }, // ADDITIONAL 4 | OPTIMIZED 8
    { id: "alias", alias: "sdk_shapes_old" },
    { id: "columnAlias", name: "title", target: "name" },
    { id: "attributes", attributes: "2" }, // CACHEABLE
  ]);
  expect(columnOptions(table.columns[0]!)).toBe(3);
});

test("osquery's context JSON becomes the QueryContext osq's tables get", () => {
  const ctx = parseContext(
    JSON.stringify({
      constraints: [
        { name: "path", list: [{ op: 2, expr: "/etc/hosts" }, { op: 65, expr: "/tmp/%" }], affinity: "TEXT" },
        { name: "size", list: [], affinity: "UNSIGNED BIGINT" },
        { name: "extra", list: [{ op: 32, expr: 5 }], affinity: "INTEGER" },
      ],
      colsUsed: ["path", "size"],
      colsUsedBitset: 3,
    }),
    table,
  );
  if (typeof ctx === "string") throw new Error(ctx);
  expect(ctx.equals("path")).toEqual(["/etc/hosts"]);
  expect(ctx.valuesOf("path", Op.LIKE)).toEqual(["/tmp/%"]);
  expect(ctx.valuesOf("extra", Op.GREATER_THAN_OR_EQUALS)).toEqual(["5"]);
  expect(ctx.hasConstraint("size")).toBe(false);
  expect(ctx.isColumnUsed("size")).toBe(true);
  expect(ctx.isColumnUsed("name")).toBe(false);
});

test("usage from the bitset alone, or unknown; text that is not a context is an error", () => {
  const bits = parseContext(JSON.stringify({ constraints: [], colsUsedBitset: 0b100010 }), table);
  if (typeof bits === "string") throw new Error(bits);
  expect(["path", "size", "seen", "version", "name", "extra"].filter((c) => bits.isColumnUsed(c))).toEqual(["size", "extra"]);
  const none = parseContext(JSON.stringify({ constraints: [] }), table);
  if (typeof none === "string") throw new Error(none);
  expect(none.isColumnUsed("seen")).toBe(true);
  expect(parseContext("[1,2]", table)).toStartWith("context does not have osquery's shape");
  expect(parseContext(JSON.stringify({ constraints: [{ name: "path", list: "x" }] }), table)).toStartWith("context does not have osquery's shape");
  expect(parseContext("{", table)).toStartWith("context is not JSON");
});

test("rows go out as strings, NULL left out", () => {
  expect(rowToStrings({ a: 1, b: 2n, c: true, d: false, e: null, f: undefined, g: "x", h: 1.5 })).toEqual({ a: "1", b: "2", c: "1", d: "0", g: "x", h: "1.5" });
});
