// Step 4: run the user's SQL, unchanged, on the query database and return rows
// with their column names and declared types.
import { Database } from "bun:sqlite";
import { QueryError } from "./errors.ts";
import type { SqlValue } from "./materialise.ts";
import { QueryStopped, type QueryBudget } from "./limits.ts";

export interface ResultColumn {
  readonly name: string;
  /** The declared type of the source column, or "" for expressions. */
  readonly type: string;
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly SqlValue[][];
  /** Names of the osq tables the query read (the diff engine needs evented ones). */
  readonly tables: readonly string[];
}

/** A fresh query database, with osquery's SQL functions when the query may call them. */
export async function newQueryDatabase(withFunctions = true): Promise<Database> {
  const db = new Database(":memory:", { safeIntegers: true });
  if (withFunctions) (await import("./functions.ts")).registerFunctions(db);
  return db;
}

/**
 * Runs one statement. With a budget, rows are stepped one at a time and
 * counted, so max_rows stops the query at the first row too many and the
 * deadline is checked between rows; the checkpoints SQLite calls throw the
 * budget's QueryStopped from inside the step, which passes through unchanged.
 */
export function execute(db: Database, sql: string, tables: string[], budget?: QueryBudget): QueryResult {
  let stmt;
  try {
    stmt = db.prepare(sql);
  } catch (e) {
    if (e instanceof QueryStopped) throw e;
    throw new QueryError((e as Error).message);
  }
  try {
    const names = stmt.columnNames;
    let rows: SqlValue[][];
    if (budget === undefined || (!budget.timed && budget.limits.maxRows === 0)) {
      rows = stmt.values() as SqlValue[][];
    } else if (!steppable(names)) {
      // iterate() yields objects, which keep one of two equal names: such a
      // result is read whole and its rows counted afterwards.
      rows = stmt.values() as SqlValue[][];
      for (let i = 0; i < rows.length; i++) budget.countRow();
    } else {
      rows = [];
      for (const row of stmt.iterate() as IterableIterator<Record<string, unknown>>) {
        budget.countRow();
        rows.push(names.map((n) => row[n] as SqlValue));
      }
    }
    const declared = stmt.declaredTypes;
    const columns = names.map((name, i) => ({ name, type: declared[i] ?? "" }));
    normaliseBlobs(rows);
    return { columns, rows, tables };
  } catch (e) {
    if (e instanceof QueryStopped) throw e;
    throw new QueryError((e as Error).message);
  } finally {
    stmt.finalize();
  }
}

/** Whether rows read as objects keep every column: distinct names, none an accessor of Object. */
function steppable(names: readonly string[]): boolean {
  return new Set(names).size === names.length && !names.includes("__proto__");
}

/** BLOBs become text, in place: the rows are this call's own arrays, and most hold none. */
function normaliseBlobs(rows: SqlValue[][]): void {
  let decoder: TextDecoder | null = null;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v: unknown = row[i];
      if (v instanceof Uint8Array) row[i] = (decoder ??= new TextDecoder()).decode(v);
    }
  }
}
