// Step 3: fill one table of the per-query database from a generator's rows.
// Rows are coerced to the declared column types the way osquery's xColumn
// does: text that is not a number in an integer column becomes NULL.
import type { Database, Statement } from "bun:sqlite";
import type { Column, Row, Table, Value } from "../table.ts";
import { CHECKPOINT_FUNCTION } from "./limits.ts";

export type SqlValue = string | bigint | number | null;

/** The SQL type a column is created with; bun:sqlite has no custom collations (DESIGN). */
export function sqlType(c: Column): string {
  return c.type === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : c.type;
}

const INT_RE = /^\s*[-+]?\d+\s*$/;
const FLOAT_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Turns a generator's value into what one column stores. */
export type Coercer = (v: Value) => SqlValue;

// A safe integer stays a number: INTEGER affinity stores an integral double
// as an integer, and a BigInt costs an allocation here, a slower bind, and
// comparisons against the int64 bounds (10,000 file rows hold 110,000
// integers). Only values past 2^53 need one. Rows read back from SQLite hold
// bigints (safeIntegers); rowKey writes both forms alike for the multiset union.
function toInteger(v: Value): SqlValue {
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return v === 0 ? 0 : v; // -0 binds as a REAL
    return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : null;
  }
  if (typeof v === "bigint") return v >= INT64_MIN && v <= INT64_MAX ? v : BigInt.asIntN(64, v);
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (!INT_RE.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? (n === 0 ? 0 : n) : BigInt.asIntN(64, BigInt(v.trim()));
}

function toDouble(v: Value): SqlValue {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return FLOAT_RE.test(v) ? Number(v) : null;
}

function toText(v: Value): SqlValue {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return null;
  return typeof v === "boolean" ? (v ? "1" : "0") : String(v);
}

/** The coercion of `c`'s declared type, chosen once per column rather than per value. */
export function coercerFor(c: Column): Coercer {
  switch (c.type) {
    case "INTEGER":
    case "BIGINT":
    case "UNSIGNED_BIGINT":
      return toInteger;
    case "DOUBLE":
      return toDouble;
    default:
      return toText;
  }
}

/**
 * The columns a query database gets for `table`: hidden ones only when the
 * SQL names them, and, when it selects no `*` (`allColumns` false), only the
 * columns it names: the others cannot be read, so they are neither coerced
 * nor stored. A table needs one column, so one naming none keeps its first.
 */
export function columnsFor(table: Table, identifiers: ReadonlySet<string>, allColumns = true): { name: string; column: Column }[] {
  const out: { name: string; column: Column }[] = [];
  for (const c of table.columns) {
    if (c.hidden ? identifiers.has(c.name) : allColumns || identifiers.has(c.name)) out.push({ name: c.name, column: c });
  }
  for (const c of table.columns) {
    for (const a of c.aliases ?? []) if (identifiers.has(a)) out.push({ name: a, column: c });
  }
  const first = table.columns[0];
  if (out.length === 0 && first) out.push({ name: first.name, column: first });
  return out;
}

/**
 * Rows per INSERT: past a few dozen the statement's size costs more than the
 * calls it saves. SQLite binds at most 32,766 parameters per statement.
 */
const BATCH_ROWS = 32;
const MAX_PARAMETERS = 32_766;

/**
 * A row's identity for the multiset union. An integer column holds a number
 * (a fresh row) or a bigint (a row read back) for the same value, so both are
 * written as `5n`; a REAL column's numbers stay numbers.
 */
function rowKey(values: readonly SqlValue[], integer: readonly boolean[]): string {
  return JSON.stringify(values.map((v, i) => (typeof v === "bigint" || (integer[i] === true && typeof v === "number") ? `${v}n` : v)));
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Names SQLite resolves to a table's rowid even when no column has them. */
export const ROWID_NAMES: ReadonlySet<string> = new Set(["rowid", "oid", "_rowid_"]);

/**
 * One table of the query database. The same table can be generated several
 * times (two references with different constraints); rows are merged as a
 * multiset union so that a row both generations return appears once.
 *
 * With `checkpointed`, the rows live in a table of another name and the SQL
 * sees them through a view of the table's name whose WHERE calls the query's
 * checkpoint (limits.ts) with the row's rowid: SQLite evaluates it in that
 * table's own loop, once per row scanned, however the query joins it. It
 * never hoists a non-deterministic call, and likelihood 1.0 leaves the
 * planner's row estimates, so its join order and the results, unchanged.
 * A view has no rowid, so SQL naming one keeps the plain table.
 */
export class MaterialisedTable {
  private readonly counts = new Map<string, number>();
  private generations = 0;
  readonly columns: { name: string; column: Column }[];
  /** Where the rows are stored: the table's name, or the one behind its checkpointed view. */
  private readonly storage: string;
  /** Per stored column: the generator's key it is read from and its coercion. */
  private readonly sources: readonly string[];
  private readonly coercers: readonly Coercer[];
  /** Per stored column: whether it holds integers (rowKey). */
  private readonly integer: readonly boolean[];

  constructor(
    private readonly db: Database,
    readonly name: string,
    readonly table: Table,
    identifiers: ReadonlySet<string>,
    checkpointed = false,
    allColumns = true,
  ) {
    this.columns = columnsFor(table, identifiers, allColumns);
    this.sources = this.columns.map((c) => c.column.name);
    this.coercers = this.columns.map((c) => coercerFor(c.column));
    this.integer = this.coercers.map((c) => c === toInteger);
    const defs = this.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.column)}`).join(", ");
    const viewed = checkpointed && ![...ROWID_NAMES].some((n) => identifiers.has(n));
    this.storage = viewed ? `${name}:rows` : name;
    db.run(`CREATE TABLE ${quoteIdent(this.storage)} (${defs})`);
    if (viewed) {
      db.run(
        `CREATE VIEW ${quoteIdent(name)} AS SELECT * FROM ${quoteIdent(this.storage)} WHERE likelihood(${CHECKPOINT_FUNCTION}(rowid), 1.0)`,
      );
    }
  }

  /** An INSERT of `count` rows at once: one call into SQLite per batch instead of per row. */
  private insertStatement(count: number): Statement {
    const row = `(${this.columns.map(() => "?").join(", ")})`;
    return this.db.prepare(`INSERT INTO ${quoteIdent(this.storage)} VALUES ${Array(count).fill(row).join(", ")}`);
  }

  insert(rows: readonly Row[]): void {
    const first = this.generations++ === 0;
    if (rows.length === 0) return;
    // A later generation adds only what earlier ones lack (multiset union); the
    // first one, the common case, skips the bookkeeping.
    if (!first && this.counts.size === 0) this.countExisting();
    const fresh = new Map<string, number>();
    const width = this.columns.length;
    const { sources, coercers } = this;
    const perBatch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / width), rows.length));
    const values: SqlValue[] = new Array<SqlValue>(perBatch * width);
    let batch: Statement | null = null;
    let pending = 0;
    const tx = this.db.transaction(() => {
      for (const row of rows) {
        const at = pending * width;
        for (let i = 0; i < width; i++) values[at + i] = coercers[i]!(row[sources[i]!]);
        if (!first) {
          const key = rowKey(values.slice(at, at + width), this.integer);
          const seen = (fresh.get(key) ?? 0) + 1;
          fresh.set(key, seen);
          if (seen <= (this.counts.get(key) ?? 0)) continue;
        }
        if (++pending === perBatch) {
          batch ??= this.insertStatement(perBatch);
          batch.run(...values);
          pending = 0;
        }
      }
      if (pending > 0) {
        const rest = this.insertStatement(pending);
        rest.run(...values.slice(0, pending * width));
        rest.finalize();
      }
    });
    try {
      tx();
    } finally {
      (batch as Statement | null)?.finalize();
    }
    for (const [k, n] of fresh) this.counts.set(k, Math.max(n, this.counts.get(k) ?? 0));
  }

  private countExisting(): void {
    for (const values of this.db.prepare(`SELECT * FROM ${quoteIdent(this.storage)}`).values()) {
      const key = rowKey(values as SqlValue[], this.integer);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
}
