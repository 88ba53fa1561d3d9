// auto_table_construction (ATC, INTERFACES §4): the config names tables whose
// rows come from a query run on local SQLite files. Each entry is
// {query, path, columns, platform}; `path` is a file or an osquery glob
// (`%` wildcards), relative to the working directory when not absolute. Every
// column is TEXT, and a `path` column naming the file each row came from is
// added unless the config declares one. The tables join the registry, so the
// planner, .schema and osquery_registry see them like any other.
//
// osquery's behaviour when an entry or its file is bad is kept: a
// misconfigured entry is skipped with a warning, a table named like a
// built-in one is refused, and a file that is missing, not a database, or
// refuses the query gives no rows and one warning per query, never an error.
// The files are opened read-only, without taking SQLite's locks unless the
// database is in WAL mode (so a running application's database can be read
// while it holds them), and once more as immutable when the query cannot
// be prepared (a database in use by a browser). A statement that would write
// is refused, as osquery's authorizer refuses it.
import { Database, constants } from "bun:sqlite";
import * as v from "valibot";
import { existsSync } from "node:fs";
import { errorMessage } from "../logger/glog.ts";
import { GLOB_ALL, resolveFilePattern } from "../linux/glob.ts";
import { defineTable, type Row, type Table } from "../table.ts";
import { isCoreTableName, setConfigTables } from "../registry.ts";
import { JsonObjectSchema } from "./config-text.ts";
import { checkPlatform } from "./packs.ts";

export interface AutoTableLog {
  info(m: string): void;
  warn(m: string): void;
  verbose(m: string): void;
}

export interface AutoTableSpec {
  readonly name: string;
  readonly query: string;
  readonly path: string;
  /** The table's columns in order, the implicit `path` included when added. */
  readonly columns: readonly string[];
  /** Whether the config declared a column named path (any case), so rows keep the query's own. */
  readonly userPath: boolean;
}

const StringSchema = v.string();

/**
 * The tables an auto_table_construction object describes, as osquery's
 * parser reads it; entries it would skip are reported through `log`.
 */
export function parseAutoTables(section: unknown, log: AutoTableLog): AutoTableSpec[] {
  if (!v.is(JsonObjectSchema, section)) return [];
  const specs: AutoTableSpec[] = [];
  for (const [name, entry] of Object.entries(section)) {
    // An entry that is not an object is not formatted as one; osquery passes over it quietly.
    if (!v.is(JsonObjectSchema, entry)) continue;
    const text = (key: string) => (v.is(StringSchema, entry[key]) ? entry[key] : "");
    const query = text("query");
    const path = text("path");
    if (query === "" || path === "") {
      log.warn(`ATC Table: Skipping ${name} because it is misconfigured (missing query or path)`);
      continue;
    }
    if (!checkPlatform(text("platform"))) {
      log.verbose(`ATC table: Skipping ${name} because platform doesn't match`);
      continue;
    }
    if (!Array.isArray(entry.columns)) {
      log.warn(`ATC Table: Skipping ${name} because it is misconfigured (no columns)`);
      continue;
    }
    const columns: string[] = [];
    let userPath: string | null = null;
    for (const column of entry.columns) {
      if (!v.is(StringSchema, column)) {
        log.warn(`ATC Table: ${name} is misconfigured. (non-string column)`);
        continue;
      }
      if (column.toLowerCase() === "path") userPath = column;
      columns.push(column);
    }
    if (userPath !== null) {
      log.warn(`ATC Table: ${name} is misconfigured. The configuration includes \`${userPath}\`. This is a reserved column name`);
    } else {
      columns.push("path");
    }
    specs.push({ name, query, path, columns, userPath: userPath !== null });
  }
  return specs;
}

/** What osquery compares to decide that a table is unchanged: name, query, columns and path. */
function settingsOf(spec: AutoTableSpec): string {
  return spec.name + spec.query + spec.columns.map((c) => `${c},`).join("") + spec.path;
}

/** The ATC tables registered now, with the settings each was built from. */
const current = new Map<string, { settings: string; table: Table }>();

/**
 * Registers the tables of the last auto_table_construction section (sources
 * in the order they apply) and drops those the config no longer names. A
 * table whose settings did not change is kept as it is.
 */
export function applyAutoTables(sections: ReadonlyMap<string, unknown>, log: AutoTableLog): void {
  const section = [...sections.values()].filter((s) => v.is(JsonObjectSchema, s)).at(-1);
  // osquery's parser changes nothing when no source has an object under the key.
  if (section === undefined) return;
  const next = new Map<string, { settings: string; table: Table }>();
  for (const spec of parseAutoTables(section, log)) {
    const settings = settingsOf(spec);
    const old = current.get(spec.name);
    if (old && old.settings === settings) {
      next.set(spec.name, old);
      continue;
    }
    if (isCoreTableName(spec.name)) {
      log.warn(`ATC Table: ${spec.name} overrides core table; Refusing registration`);
      continue;
    }
    next.set(spec.name, { settings, table: autoTable(spec, log) });
    log.info(`ATC table: ${spec.name} Registered`);
  }
  for (const name of current.keys()) if (!next.has(name)) log.verbose(`ATC table: ${name} Removed`);
  current.clear();
  for (const [name, entry] of next) current.set(name, entry);
  setConfigTables([...next.values()].map((e) => e.table));
}

function autoTable(spec: AutoTableSpec, log: AutoTableLog): Table {
  return defineTable({
    name: spec.name,
    columns: Object.fromEntries(spec.columns.map((c) => [c, "TEXT"])),
    generate: () => {
      const rows: Row[] = [];
      const files = resolveFilePattern(spec.path, GLOB_ALL);
      if (files.length === 0) log.verbose(`ATC table: ${spec.name}: no file matches ${spec.path}`);
      for (const file of files) {
        const r = sqliteRows(file, spec.query, log);
        if (typeof r === "string") {
          log.warn(`ATC Table: Error Code: ${r} for path ${file}`);
          continue;
        }
        for (const row of r) {
          if (spec.userPath || Object.keys(row).some((k) => k.toLowerCase() === "path")) {
            log.warn("ATC Table: Row contains a defined path key, omitting the implicit one");
          } else {
            row.path = file;
          }
          rows.push(row);
        }
      }
      return rows;
    },
  });
}

/** A file path as a SQLite URI's path: the characters a URI gives meaning to are escaped. */
function uriPath(path: string): string {
  return path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function open(path: string, params: string): Database {
  return new Database(`file:${uriPath(path)}${params}`, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
}

/** The database's journal mode, lower case, or null when it cannot be read. */
function journalMode(path: string): string | null {
  let db: Database | null = null;
  try {
    db = open(path, "");
    const row = db.query("PRAGMA journal_mode").get() as { journal_mode?: unknown } | null;
    return typeof row?.journal_mode === "string" ? row.journal_mode.toLowerCase() : null;
  } catch {
    // The caller says, at verbose level, that the default locking applies.
    return null;
  } finally {
    db?.close();
  }
}

/** SQLite's result code of an error thrown by bun:sqlite (1, SQLITE_ERROR, when it names none). */
function resultCode(e: unknown): number {
  const errno = (e as { errno?: unknown }).errno;
  return typeof errno === "number" ? errno & 0xff : 1;
}

/**
 * The rows `query` returns from the SQLite file at `path`, keyed by result
 * column name with osquery's values (integers and text as written, reals as
 * C's %f, NULL left out), or "<code> Could not generate data: <why>".
 */
export function sqliteRows(path: string, query: string, log: AutoTableLog): Row[] | string {
  if (!existsSync(path)) return "1 Could not generate data: Database path does not exist";
  const mode = journalMode(path);
  if (mode === null) log.verbose(`ATC Table: Unable to detect journal mode, applying default locking policy for path ${path}`);
  // Outside WAL mode the file is read without SQLite's locks, as osquery's unix-none VFS does.
  const params = mode === "wal" ? "" : "?vfs=unix-none";
  let db: Database;
  try {
    db = open(path, params);
  } catch (e) {
    log.verbose(`Cannot open specified database: ${errorMessage(e)}`);
    return "1 Could not generate data: Could not open database";
  }
  const rows: Row[] = [];
  try {
    let stmt;
    try {
      stmt = db.prepare(query);
    } catch (e) {
      log.verbose(`ATC table: Could not prepare database at path: ${path} error code: ${resultCode(e)}. Retrying with immutable=1`);
      db.close();
      try {
        db = open(path, `${params === "" ? "?" : `${params}&`}immutable=1`);
        stmt = db.prepare(query);
      } catch (again) {
        log.verbose(`ATC table: Could not prepare database at path: ${path} error code: ${resultCode(again)}. Even with immutable=1: ${errorMessage(again)}`);
        return `${resultCode(again)} Could not generate data: Could not prepare database`;
      }
    }
    if (!stmt.readonly) return "23 Could not generate data: Could not prepare database";
    stmt.safeIntegers(true);
    const names = stmt.columnNames;
    for (const values of stmt.values()) {
      const row: Row = {};
      values.forEach((value, i) => {
        const text = cellText(value);
        if (text !== null) row[names[i]!] = text;
      });
      rows.push(row);
    }
    return rows;
  } catch (e) {
    // A step that fails part-way ends the file's rows, as osquery's loop ends at the first non-row.
    log.verbose(`ATC table: reading ${path} stopped after ${rows.length} rows: ${errorMessage(e)}`);
    return rows;
  } finally {
    db.close();
  }
}

const decoder = new TextDecoder();

/** A result value as osquery's row holds it: text up to a NUL byte, integers in decimal, reals as %f. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return value.toFixed(6);
  if (value instanceof Uint8Array) {
    const nul = value.indexOf(0);
    return decoder.decode(nul < 0 ? value : value.subarray(0, nul));
  }
  const text = String(value);
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}
