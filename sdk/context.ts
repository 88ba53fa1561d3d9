// The SDK's half of osquery's table-plugin calls: a table's route (the
// columns core asks for with {action: "columns"}), core's context JSON turned
// into osq's QueryContext, and generated rows as the string maps core reads.
import * as v from "valibot";
import { QueryContext, type Column, type Constraint, type OpCode, type Row, type Table } from "../src/table.ts";

/** osquery's ColumnOptions bits. */
const INDEX = 1;
const REQUIRED = 2;
const ADDITIONAL = 4;
const OPTIMIZED = 8;
const HIDDEN = 16;
const COLLATE: Readonly<Record<string, number>> = {
  binary: 32,
  nocase: 64,
  rtrim: 128,
  version: 256,
  version_arch: 512,
  version_dpkg: 1024,
  version_rhel: 2048,
};
/** osquery's TableAttributes bits. */
const UTILITY = 1;
const CACHEABLE = 2;
const EVENT_BASED = 4;
const USER_BASED = 8;

/** osquery's type names; DATETIME is TEXT to osquery (its spec generator maps it so). */
function typeName(c: Column): string {
  if (c.type === "UNSIGNED_BIGINT") return "UNSIGNED BIGINT";
  if (c.type === "DATETIME") return "TEXT";
  return c.type;
}

export function columnOptions(c: Column): number {
  return (
    (c.index ? INDEX : 0) |
    (c.required ? REQUIRED : 0) |
    (c.additional ? ADDITIONAL : 0) |
    (c.optimized ? OPTIMIZED : 0) |
    (c.hidden ? HIDDEN : 0) |
    (c.collate ? (COLLATE[c.collate] ?? 0) : 0)
  );
}

/** What osquery's TablePlugin::routeInfo answers: columns, table aliases, column aliases, attributes. */
export function tableRoute(table: Table): Record<string, string>[] {
  const route: Record<string, string>[] = table.columns.map((c) => ({ id: "column", name: c.name, type: typeName(c), op: String(columnOptions(c)) }));
  for (const alias of table.aliases) route.push({ id: "alias", alias });
  for (const c of table.columns) for (const alias of c.aliases ?? []) route.push({ id: "columnAlias", name: alias, target: c.name });
  const attributes = (table.utility ? UTILITY : 0) | (table.cacheable ? CACHEABLE : 0) | (table.evented ? EVENT_BASED : 0) | (table.userData ? USER_BASED : 0);
  route.push({ id: "attributes", attributes: String(attributes) });
  return route;
}

const ContextJson = v.object({
  constraints: v.optional(
    v.array(
      v.object({
        name: v.string(),
        list: v.array(v.object({ op: v.number(), expr: v.union([v.string(), v.number()]) })),
      }),
    ),
    [],
  ),
  colsUsed: v.optional(v.array(v.string())),
  colsUsedBitset: v.optional(v.number()),
});

/**
 * Core's context JSON as the QueryContext osq's own tables get. Column usage
 * comes from colsUsed, else from colsUsedBitset (bit i is the table's i-th
 * column); with neither every column counts as used. Text that is not a
 * context is reported, for the caller to answer with a failed status.
 */
export function parseContext(json: string | undefined, table: Table): QueryContext | string {
  if (json === undefined || json === "") return new QueryContext();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return `context is not JSON: ${(e as Error).message}`;
  }
  if (Array.isArray(raw)) return "context does not have osquery's shape: an array, not an object";
  const parsed = v.safeParse(ContextJson, raw);
  if (!parsed.success) return `context does not have osquery's shape: ${v.summarize(parsed.issues).split("\n")[0]}`;
  const constraints = new Map<string, Constraint[]>();
  for (const c of parsed.output.constraints) {
    const list = constraints.get(c.name) ?? [];
    for (const e of c.list) list.push({ op: e.op as OpCode, expr: String(e.expr) });
    constraints.set(c.name, list);
  }
  let used: Set<string> | null = null;
  if (parsed.output.colsUsed) used = new Set(parsed.output.colsUsed);
  else if (parsed.output.colsUsedBitset !== undefined) {
    const bits = BigInt(parsed.output.colsUsedBitset);
    used = new Set(table.columns.filter((_c, i) => ((bits >> BigInt(i)) & 1n) === 1n).map((c) => c.name));
  }
  return new QueryContext(constraints, used);
}

/** A generated row as core reads it: every value as text; NULL (null, undefined) left out. */
export function rowToStrings(row: Row): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in row) {
    const value = row[key];
    if (value === null || value === undefined) continue;
    out[key] = typeof value === "string" ? value : typeof value === "boolean" ? (value ? "1" : "0") : String(value);
  }
  return out;
}
