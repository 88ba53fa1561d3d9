// Prepared queries (analysis-codec.ts) kept by what they were derived from, so
// a scheduled query that runs again is not parsed again: loading and running
// sql-parser-cst costs the daemon about 15 MB, and its schedule repeats the
// same few texts forever.
//
// An entry is found by a key made of everything the analysis depends on: the
// SQL, whether the query has a deadline (its checkpoints rewrite the SQL),
// the text of every config view it uses, and each table its words name with
// that table's columns. Changing any of those is a different key, so a stale
// plan can only be missed, never used. The daemon also keeps entries in its
// database (a restarted worker reads them back instead of loading the
// parser); those carry the executable's identity too, since a new osq may
// analyse differently.
import { statSync } from "node:fs";
import type { Table } from "../table.ts";
import { decodePrepared, encodePrepared, type PreparedQuery } from "./analysis-codec.ts";

/** Where prepared queries persist (the daemon's database); `put` must not throw. */
export interface PreparedStore {
  get(id: string): string | undefined;
  put(id: string, value: string): void;
}

/** A prepared query and the table objects it was analysed against. */
interface Entry {
  readonly prepared: PreparedQuery;
  readonly tables: readonly Table[];
}

export interface CacheStats {
  /** Found in memory. */
  memory: number;
  /** Read back from the store. */
  stored: number;
  /** Not found: the caller parsed the query. */
  missed: number;
}

/** Enough for any schedule; past it the oldest entry goes. */
const MAX_ENTRIES = 512;

const signatures = new WeakMap<Table, string>();

/** What of a table an analysis depends on: its name and columns (hidden, required, ... decide constraints and star). */
function tableSignature(table: Table): string {
  let sig = signatures.get(table);
  if (sig === undefined) {
    sig = JSON.stringify([table.name, table.userData, table.columns]);
    signatures.set(table, sig);
  }
  return sig;
}

/**
 * The key of a query: its SQL, deadline, the views it uses (after any
 * checkpoint rewriting) and the tables its words (and its views' words) name.
 */
export function preparedKey(sql: string, timed: boolean, views: ReadonlyMap<string, string>, tables: ReadonlyMap<string, Table>): string {
  const tableSigs = [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, t]) => [word, tableSignature(t)]);
  return JSON.stringify([sql, timed, [...views], tableSigs]);
}

/** The executable's identity: the same path with another build is another analyser. */
let build: string | undefined;
function buildIdentity(): string {
  if (build === undefined) {
    try {
      const st = statSync(process.execPath);
      build = `${process.execPath}:${st.size}:${st.mtimeMs}`;
    } catch {
      build = process.execPath;
    }
  }
  return build;
}

/** The store's id for a key: short, so LMDB's key size limit never applies. */
const storeId = (key: string) => Bun.hash(key).toString(16);

export class PreparedCache {
  private readonly entries = new Map<string, Entry>();
  private store: PreparedStore | null = null;
  readonly stats: CacheStats = { memory: 0, stored: 0, missed: 0 };

  /** Keeps entries in `store` as well from now on (null: memory only). */
  persistTo(store: PreparedStore | null): void {
    this.store = store;
  }

  /** The prepared query for `key`, when it was analysed against the tables `lookup` returns now. */
  get(key: string, lookup: (name: string) => Table | undefined): PreparedQuery | null {
    const entry = this.entries.get(key);
    // An extension or auto table registered again is a new object (a new generator): its old entry is not used.
    if (entry && entry.tables.every((t) => lookup(t.name) === t)) {
      this.stats.memory++;
      return entry.prepared;
    }
    const fromStore = this.read(key, lookup);
    if (fromStore) {
      this.stats.stored++;
      this.remember(key, fromStore);
      return fromStore.prepared;
    }
    this.stats.missed++;
    return null;
  }

  put(key: string, prepared: PreparedQuery): void {
    const entry: Entry = { prepared, tables: tablesOf(prepared) };
    this.remember(key, entry);
    if (!this.store) return;
    let doc: string;
    try {
      doc = encodePrepared(prepared);
    } catch {
      // Something the codec cannot write back the same: this one stays in memory only.
      return;
    }
    this.store.put(storeId(key), JSON.stringify({ key, build: buildIdentity(), doc }));
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }

  private read(key: string, lookup: (name: string) => Table | undefined): Entry | null {
    const text = this.store?.get(storeId(key));
    if (text === undefined) return null;
    let stored: { key?: unknown; build?: unknown; doc?: unknown };
    try {
      stored = JSON.parse(text) as typeof stored;
    } catch {
      return null;
    }
    // A hash collision or an entry another build wrote: parse afresh, and the put overwrites it.
    if (stored.key !== key || stored.build !== buildIdentity() || typeof stored.doc !== "string") return null;
    const prepared = decodePrepared(stored.doc, lookup);
    return prepared ? { prepared, tables: tablesOf(prepared) } : null;
  }
}

/** Every table object a prepared query's references hold (subquery and derived-table references are among `refs`). */
function tablesOf(prepared: PreparedQuery): Table[] {
  if (prepared.kind === "fallback") return [];
  return [...new Set(prepared.statements.flatMap((s) => s.analysis.refs.map((r) => r.table)))];
}

/** The process's one cache of prepared queries. */
export const preparedQueries = new PreparedCache();
