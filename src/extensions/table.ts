// An extension's table: its columns from the route it broadcast (or, when the
// route has none, from `call(table, name, {action: columns})`), and rows from
// `{action: generate, context: <osquery's context JSON>}` for the same
// QueryContext built-in tables get.
import { flags } from "../flags/flags.ts";
import type { Column, ColumnType, QueryContext, Row, Table } from "../table.ts";
import type { StringMap } from "./protocol.ts";

/** osquery's ColumnOptions bits. */
export const ColumnOption = { INDEX: 1, REQUIRED: 2, ADDITIONAL: 4, OPTIMIZED: 8, HIDDEN: 16 } as const;

const TYPE_BY_NAME: Record<string, ColumnType> = {
  TEXT: "TEXT",
  INTEGER: "INTEGER",
  BIGINT: "BIGINT",
  "UNSIGNED BIGINT": "UNSIGNED_BIGINT",
  DOUBLE: "DOUBLE",
  BLOB: "BLOB",
  DATETIME: "DATETIME",
};

/** The type name osquery writes for a column (columnTypeName), as the context's affinity. */
export function columnTypeName(t: ColumnType): string {
  return t === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : t;
}

export interface TableRoute {
  readonly columns: Column[];
  readonly aliases: string[];
}

/** Reads a table's route: column, alias and columnAlias items; an unknown type is TEXT, as osquery's columnTypeName fallback reads. */
export function parseTableRoute(route: readonly StringMap[]): TableRoute | string {
  const columns: Column[] = [];
  const aliases: string[] = [];
  const columnAliases = new Map<string, string[]>();
  const defaultIndex = flags.bool("extensions_default_index");
  for (const item of route) {
    const id = item["id"];
    if (id === "column") {
      const name = item["name"];
      if (!name) return "a column without a name";
      const type = TYPE_BY_NAME[(item["type"] ?? "").toUpperCase()] ?? "TEXT";
      const op = Number(item["op"] ?? "0") || 0;
      columns.push({
        name,
        type,
        index: defaultIndex || (op & ColumnOption.INDEX) !== 0,
        required: (op & ColumnOption.REQUIRED) !== 0,
        additional: (op & ColumnOption.ADDITIONAL) !== 0,
        optimized: (op & ColumnOption.OPTIMIZED) !== 0,
        hidden: (op & ColumnOption.HIDDEN) !== 0,
        platform: false,
      });
    } else if (id === "alias" && item["alias"]) {
      aliases.push(item["alias"]);
    } else if (id === "columnAlias" && item["name"] && item["target"]) {
      const list = columnAliases.get(item["target"]) ?? [];
      list.push(item["name"]);
      columnAliases.set(item["target"], list);
    }
  }
  const withAliases = columns.map((c) => {
    const a = columnAliases.get(c.name);
    return a ? { ...c, aliases: a } : c;
  });
  return { columns: withAliases, aliases };
}

/**
 * osquery's serialised QueryContext: every column with its constraint list and
 * affinity (a std::map, so in byte order of the names), the used columns
 * (sorted) and their bitset (bit i for column i, bit 63 for any beyond).
 */
export function contextJson(columns: readonly Column[], ctx: QueryContext): string {
  const names = columns.map((c) => c.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byName = new Map(columns.map((c) => [c.name, c]));
  const constraints = names.map((name) => ({
    name,
    list: (ctx.constraints.get(name) ?? []).map((c) => ({ op: c.op, expr: c.expr })),
    affinity: columnTypeName(byName.get(name)!.type),
  }));
  // Unknown usage (SELECT *) reads every column SQLite shows: the non-hidden ones.
  const used = columns.filter((c) => (ctx.colsUsed === null ? !c.hidden : ctx.colsUsed.has(c.name)));
  let bitset = 0n;
  columns.forEach((c, i) => {
    if (used.includes(c)) bitset |= 1n << BigInt(Math.min(i, 63));
  });
  const colsUsed = used.map((c) => c.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // The bitset is a uint64: written as a bare JSON integer, which JSON.stringify cannot do for a bigint.
  return JSON.stringify({ constraints, colsUsed, colsUsedBitset: "__BITSET__" }).replace('"__BITSET__"', bitset.toString());
}

export type ExtensionCaller = (item: string, request: StringMap) => Promise<StringMap[]>;

/** A Table whose generator calls the extension. */
export function extensionTable(name: string, route: TableRoute, call: ExtensionCaller): Table {
  const table: Table = {
    name,
    aliases: route.aliases,
    columns: route.columns,
    cacheable: false,
    evented: false,
    userData: false,
    utility: false,
    async generate(ctx: QueryContext): Promise<Row[]> {
      return call(name, { action: "generate", context: contextJson(table.columns, ctx) });
    },
    describeContext: (ctx) => `context ${contextJson(table.columns, ctx)}`,
  };
  return table;
}
