// Step 4: run the user's SQL, unchanged, on the query database and return rows
// with their column names and declared types.
import { Database } from "bun:sqlite";
import { QueryError } from "./errors.ts";
import type { SqlValue } from "./materialise.ts";

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

export function execute(db: Database, sql: string, tables: string[]): QueryResult {
  let stmt;
  try {
    stmt = db.prepare(sql);
  } catch (e) {
    throw new QueryError((e as Error).message);
  }
  try {
    const rows = stmt.values() as SqlValue[][];
    const declared = stmt.declaredTypes;
    const columns = stmt.columnNames.map((name, i) => ({ name, type: declared[i] ?? "" }));
    return { columns, rows: rows.map((r) => r.map(normalise)), tables };
  } catch (e) {
    throw new QueryError((e as Error).message);
  } finally {
    stmt.finalize();
  }
}

function normalise(v: unknown): SqlValue {
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return v as SqlValue;
}
