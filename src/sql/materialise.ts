// Step 3: fill one table of the per-query database from a generator's rows.
// Rows are coerced to the declared column types the way osquery's xColumn
// does: text that is not a number in an integer column becomes NULL.
import type { Database } from "bun:sqlite";
import type { Column, Row, Table, Value } from "../table.ts";
import { CHECKPOINT_FUNCTION } from "./limits.ts";

export type SqlValue = string | bigint | number | null;

/** The SQL type a column is created with; bun:sqlite has no custom collations (DESIGN). */
export function sqlType(c: Column): string {
  return c.type === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : c.type;
}

const INT_RE = /^\s*[-+]?\d+\s*$/;
const FLOAT_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

export function coerce(c: Column, v: Value): SqlValue {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case "INTEGER":
    case "BIGINT":
    case "UNSIGNED_BIGINT": {
      if (typeof v === "bigint") return BigInt.asIntN(64, v);
      if (typeof v === "boolean") return v ? 1n : 0n;
      if (typeof v === "number") return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : null;
      return INT_RE.test(v) ? BigInt.asIntN(64, BigInt(v.trim())) : null;
    }
    case "DOUBLE": {
      if (typeof v === "number") return v;
      if (typeof v === "bigint") return Number(v);
      if (typeof v === "boolean") return v ? 1 : 0;
      return FLOAT_RE.test(v) ? Number(v) : null;
    }
    default:
      return typeof v === "boolean" ? (v ? "1" : "0") : String(v);
  }
}

/** The columns a query database gets for `table`: hidden ones only when the SQL names them. */
export function columnsFor(table: Table, identifiers: ReadonlySet<string>): { name: string; column: Column }[] {
  const out: { name: string; column: Column }[] = [];
  for (const c of table.columns) {
    if (!c.hidden || identifiers.has(c.name)) out.push({ name: c.name, column: c });
  }
  for (const c of table.columns) {
    for (const a of c.aliases ?? []) if (identifiers.has(a)) out.push({ name: a, column: c });
  }
  return out;
}

function rowKey(values: readonly SqlValue[]): string {
  return JSON.stringify(values, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
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

  constructor(
    private readonly db: Database,
    readonly name: string,
    readonly table: Table,
    identifiers: ReadonlySet<string>,
    checkpointed = false,
  ) {
    this.columns = columnsFor(table, identifiers);
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

  insert(rows: readonly Row[]): void {
    const first = this.generations++ === 0;
    if (rows.length === 0) return;
    const placeholders = this.columns.map(() => "?").join(", ");
    const stmt = this.db.prepare(`INSERT INTO ${quoteIdent(this.storage)} VALUES (${placeholders})`);
    // A later generation adds only what earlier ones lack (multiset union); the
    // first one, the common case, skips the bookkeeping.
    if (!first && this.counts.size === 0) this.countExisting();
    const fresh = new Map<string, number>();
    const tx = this.db.transaction((batch: readonly Row[]) => {
      for (const row of batch) {
        const values = this.columns.map((c) => coerce(c.column, row[c.column.name]));
        if (!first) {
          const key = rowKey(values);
          const seen = (fresh.get(key) ?? 0) + 1;
          fresh.set(key, seen);
          if (seen <= (this.counts.get(key) ?? 0)) continue;
        }
        stmt.run(...values);
      }
    });
    tx(rows);
    for (const [k, n] of fresh) this.counts.set(k, Math.max(n, this.counts.get(k) ?? 0));
    stmt.finalize();
  }

  private countExisting(): void {
    for (const values of this.db.prepare(`SELECT * FROM ${quoteIdent(this.storage)}`).values()) {
      const key = rowKey(values as SqlValue[]);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
}
