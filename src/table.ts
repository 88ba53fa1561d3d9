// A table is its spec (osquery's schema, column by column) and a generator.
//
// The schema is written in a compact form that reads like osquery's .table
// files: one entry per column, in osquery's order, with the type first and
// then its flags, e.g. `pid: "BIGINT index"`, `path: "TEXT required"`,
// `md5: "TEXT collate=nocase"`, `datetime: "TEXT aliases=date_time"`.
// Columns that osquery declares only for other platforms are flagged
// `platform`: they exist (hidden, always empty) as on osquery for Linux.

export type ColumnType = "TEXT" | "INTEGER" | "BIGINT" | "UNSIGNED_BIGINT" | "DOUBLE" | "DATETIME" | "BLOB";

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly index: boolean;
  readonly hidden: boolean;
  readonly additional: boolean;
  readonly optimized: boolean;
  readonly collate?: string;
  readonly aliases?: readonly string[];
  /** Declared by osquery for another platform only: hidden and never filled. */
  readonly platform: boolean;
}

/** A row as a generator returns it; values are coerced to the declared types on insert. */
export type Value = string | number | bigint | boolean | null | undefined;
export type Row = Record<string, Value>;

/** osquery's constraint operators (ConstraintOperator), as extensions see them. */
export const Op = {
  UNIQUE: 1,
  EQUALS: 2,
  GREATER_THAN: 4,
  LESS_THAN_OR_EQUALS: 8,
  LESS_THAN: 16,
  GREATER_THAN_OR_EQUALS: 32,
  MATCH: 64,
  LIKE: 65,
  GLOB: 66,
  REGEXP: 67,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export interface Constraint {
  readonly op: OpCode;
  /** The literal as text, as osquery passes it; null for SQL NULL. */
  readonly expr: string;
}

/**
 * What the planner learned about one table reference: the constraints that
 * apply to each column and which columns the SQL uses. A generator may return
 * more rows than the constraints allow (SQLite filters again), never fewer.
 */
export class QueryContext {
  constructor(
    readonly constraints: ReadonlyMap<string, readonly Constraint[]> = new Map(),
    readonly colsUsed: ReadonlySet<string> | null = null,
  ) {}

  /** Every value compared to `column` with `=` (an IN list gives several). */
  equals(column: string): string[] {
    return this.valuesOf(column, Op.EQUALS);
  }

  valuesOf(column: string, op: OpCode): string[] {
    const list = this.constraints.get(column) ?? [];
    return [...new Set(list.filter((c) => c.op === op).map((c) => c.expr))];
  }

  hasConstraint(column: string, op?: OpCode): boolean {
    const list = this.constraints.get(column);
    return !!list && list.some((c) => op === undefined || c.op === op);
  }

  /** True when the SQL may read `column` (unknown usage counts as used). */
  isColumnUsed(column: string): boolean {
    return this.colsUsed === null || this.colsUsed.has(column);
  }

  /** True when every constraint on `column` can be checked and `value` passes them all. */
  matches(column: string, value: string | number | bigint): boolean {
    for (const c of this.constraints.get(column) ?? []) {
      if (!constraintMatches(c, value)) return false;
    }
    return true;
  }
}

function constraintMatches(c: Constraint, value: string | number | bigint): boolean {
  const numeric = typeof value !== "string";
  const cmp = numeric ? compareNumeric(value, c.expr) : String(value) < c.expr ? -1 : String(value) > c.expr ? 1 : 0;
  switch (c.op) {
    case Op.EQUALS:
      return numeric ? cmp === 0 : String(value) === c.expr;
    case Op.GREATER_THAN:
      return cmp > 0;
    case Op.GREATER_THAN_OR_EQUALS:
      return cmp >= 0;
    case Op.LESS_THAN:
      return cmp < 0;
    case Op.LESS_THAN_OR_EQUALS:
      return cmp <= 0;
    default:
      return true; // LIKE, GLOB and the rest are left to SQLite.
  }
}

function compareNumeric(value: number | bigint, expr: string): number {
  const other = Number(expr);
  if (Number.isNaN(other)) return 0;
  const v = Number(value);
  return v < other ? -1 : v > other ? 1 : 0;
}

export type Generator = (ctx: QueryContext) => Row[] | Promise<Row[]>;

export interface TableDefinition {
  readonly name: string;
  readonly columns: Readonly<Record<string, string>>;
  readonly generate: Generator;
  readonly aliases?: readonly string[];
  readonly cacheable?: boolean;
  readonly evented?: boolean;
  readonly userData?: boolean;
  readonly utility?: boolean;
}

export interface Table {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly columns: readonly Column[];
  readonly cacheable: boolean;
  readonly evented: boolean;
  readonly userData: boolean;
  readonly utility: boolean;
  readonly generate: Generator;
  /** What the generator sends for a context when that is not osq's own form (an extension table's JSON), for `.plan`. */
  readonly describeContext?: (ctx: QueryContext) => string;
}

const TYPES = new Set<string>(["TEXT", "INTEGER", "BIGINT", "UNSIGNED_BIGINT", "DOUBLE", "DATETIME", "BLOB"]);
const FLAGS = new Set(["required", "index", "hidden", "additional", "optimized", "platform"]);

export function parseColumn(name: string, text: string): Column {
  const [type = "", ...words] = text.trim().split(/\s+/);
  if (!TYPES.has(type)) throw new Error(`column ${name}: unknown type ${type}`);
  const flags = new Set<string>();
  let collate: string | undefined;
  let aliases: string[] | undefined;
  for (const w of words) {
    if (w.startsWith("collate=")) collate = w.slice(8);
    else if (w.startsWith("aliases=")) aliases = w.slice(8).split(",");
    else if (FLAGS.has(w)) flags.add(w);
    else throw new Error(`column ${name}: unknown flag ${w}`);
  }
  return {
    name,
    type: type as ColumnType,
    required: flags.has("required"),
    index: flags.has("index"),
    hidden: flags.has("hidden") || flags.has("platform"),
    additional: flags.has("additional"),
    optimized: flags.has("optimized"),
    platform: flags.has("platform"),
    ...(collate ? { collate } : {}),
    ...(aliases ? { aliases } : {}),
  };
}

export function defineTable(def: TableDefinition): Table {
  return {
    name: def.name,
    aliases: def.aliases ?? [],
    columns: Object.entries(def.columns).map(([n, t]) => parseColumn(n, t)),
    cacheable: def.cacheable ?? false,
    evented: def.evented ?? false,
    userData: def.userData ?? false,
    utility: def.utility ?? false,
    generate: def.generate,
  };
}
