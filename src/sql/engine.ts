// The query path, end to end: gate → analyse → plan → materialise → execute.
// Each query gets a fresh in-memory SQLite database holding only the tables it
// references, filled with just the rows their constraints ask for.
import { Database } from "bun:sqlite";
import { Op, QueryContext, type Constraint, type OpCode } from "../table.ts";
import { isTableName, loadTablesNamed, lookupTable } from "../registry.ts";
import { identifierOf, tokenize, type Token } from "./lexer.ts";
import type { Node } from "sql-parser-cst";
import { flags } from "../flags/flags.ts";
import { verbose } from "../logger/glog.ts";
import { Analyser, maskKeywordTables, type Analysis, type TableRef, type ViewDefinition, type ViewLookup } from "./analyse.ts";
import { plan, RequiredColumnError, type PlanStep } from "./plan.ts";
import { MaterialisedTable, quoteIdent, type SqlValue } from "./materialise.ts";
import { OSQUERY_FUNCTION_NAMES } from "./function-names.ts";

/** SQLite result codes osquery reports as exit codes. */
export const SQLITE_ERROR = 1;
export const SQLITE_AUTH = 23;
export const SQLITE_CONSTRAINT = 19;

export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: number = SQLITE_ERROR,
    /** Status lines osquery would log (as warnings) before the error. */
    readonly warnings: readonly string[] = [],
  ) {
    super(message);
  }
}

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

export interface QueryOptions {
  /** Receives one line per table reference: the constraints its generator got. */
  readonly trace?: string[];
  /** Receives the warnings osquery logs while planning (e.g. a per-user table without a uid). */
  readonly warnings?: string[];
  /** Views from the config: name → SQL. */
  readonly views?: ReadonlyMap<string, string>;
}

const WRITE_WORDS = new Set([
  "attach", "detach", "vacuum", "insert", "update", "delete", "replace", "create", "drop", "alter",
  "pragma", "reindex", "analyze", "begin", "commit", "rollback", "savepoint", "release", "end",
]);

/** PRAGMAs that only read; any other PRAGMA (or an assignment) is refused. */
const READ_PRAGMAS = new Set([
  "table_info", "table_xinfo", "table_list", "index_info", "index_list", "index_xinfo", "foreign_key_list",
  "function_list", "pragma_list", "collation_list", "compile_options", "database_list", "module_list",
]);

const OP_TEXT: Record<number, string> = {
  [Op.EQUALS]: "=",
  [Op.GREATER_THAN]: ">",
  [Op.GREATER_THAN_OR_EQUALS]: ">=",
  [Op.LESS_THAN]: "<",
  [Op.LESS_THAN_OR_EQUALS]: "<=",
  [Op.LIKE]: "LIKE",
  [Op.GLOB]: "GLOB",
  [Op.REGEXP]: "REGEXP",
  [Op.MATCH]: "MATCH",
};

/** A fresh query database, with osquery's SQL functions when the query may call them. */
export async function newQueryDatabase(withFunctions = true): Promise<Database> {
  const db = new Database(":memory:", { safeIntegers: true });
  if (withFunctions) (await import("./functions.ts")).registerFunctions(db);
  return db;
}

function notAuthorized(): QueryError {
  return new QueryError("not authorized", SQLITE_AUTH);
}

/** Converts a SQLite value to the text a constraint carries. */
function constraintText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** Lazily loaded: `select 1` and other table-free queries never pay for the parser. */
let parserModule: typeof import("sql-parser-cst") | null = null;
async function parser(): Promise<typeof import("sql-parser-cst")> {
  parserModule ??= await import("sql-parser-cst");
  return parserModule;
}

export async function runQuery(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
  const tokens = tokenize(sql);
  if (tokens.length === 0) return { columns: [], rows: [], tables: [] };
  const words = tokens.map(identifierOf);
  const views = usedViews(words, opts.views ?? new Map<string, string>());
  // Views may call any function; otherwise only a query naming one needs them.
  const db = await newQueryDatabase(views.size > 0 || words.some((w) => w !== null && OSQUERY_FUNCTION_NAMES.has(w)));
  const trace = traceSink(opts.trace);
  try {
    const first = tokens[0]!.kind === "word" ? tokens[0]!.text.toLowerCase() : "";
    const needsAnalysis =
      views.size > 0 ||
      words.some((w) => w !== null && isTableName(w)) ||
      !["select", "values"].includes(first) ||
      tokens.some((t) => t.kind === "word" && WRITE_WORDS.has(t.text.toLowerCase())) ||
      tokens.some((t) => t.kind === "semicolon");
    if (!needsAnalysis) return execute(db, sql, []);
    // Only the tables the SQL (and any view it uses) names are loaded.
    const viewWords = [...views.values()].flatMap((body) => tokenize(body).map(identifierOf));
    await loadTablesNamed([...words, ...viewWords].filter((w): w is string => w !== null && isTableName(w)));
    const viewErrors = createViews(db, views);
    try {
      const result = await analyseAndRun(db, sql, tokens, opts, views, trace);
      opts.warnings?.push(...viewErrors);
      return result;
    } catch (e) {
      if (e instanceof QueryError && viewErrors.length > 0) throw new QueryError(e.message, e.code, [...viewErrors, ...e.warnings]);
      throw e;
    }
  } finally {
    db.close();
  }
}

/** Where plan lines go: the caller's trace, and stderr under --planner (osquery prints its planner there). */
function traceSink(trace: string[] | undefined): ((line: string) => void) | undefined {
  const planner = flags.bool("planner");
  if (!trace && !planner) return undefined;
  return (line) => {
    trace?.push(line);
    if (planner) process.stderr.write(`osquery planner: ${line}\n`);
  };
}

/** The config views a query names, directly or through other views. */
function usedViews(words: readonly (string | null)[], all: ReadonlyMap<string, string>): Map<string, string> {
  const used = new Map<string, string>();
  if (all.size === 0) return used;
  const lower = new Map([...all].map(([name, body]) => [name.toLowerCase(), body]));
  const pending = words.filter((w): w is string => w !== null);
  while (pending.length > 0) {
    const w = pending.pop()!;
    const body = lower.get(w);
    if (body === undefined || used.has(w)) continue;
    used.set(w, body);
    for (const t of tokenize(body)) {
      const id = identifierOf(t);
      if (id !== null) pending.push(id);
    }
  }
  return used;
}

/**
 * Creates the views in the query database, as osquery does when it reads the
 * config. One that SQLite refuses is left out, so the query fails with
 * `no such table` as in osquery, and the reason is returned as the status
 * line osquery logs for it.
 */
function createViews(db: Database, views: ReadonlyMap<string, string>): string[] {
  const errors: string[] = [];
  for (const [name, body] of views) {
    try {
      db.run(`CREATE VIEW ${quoteIdent(name)} AS ${body}`);
    } catch (e) {
      errors.push(`Error creating view (${name}): ${(e as Error).message}`);
    }
  }
  return errors;
}

async function analyseAndRun(
  db: Database,
  sql: string,
  tokens: Token[],
  opts: QueryOptions,
  views: ReadonlyMap<string, string>,
  trace: ((line: string) => void) | undefined,
): Promise<QueryResult> {
  const { parse } = await parser();
  const masked = maskKeywordTables(sql, tokens);
  let program;
  try {
    program = parse(masked.text, { dialect: "sqlite", includeRange: true, paramTypes: ["?"] });
  } catch {
    return fallback(db, sql, tokens, opts, views, trace);
  }
  const statements = program.statements.filter((s) => s.type !== "empty");
  for (const stmt of statements) gate(stmt);
  const viewLookup = parsedViews(db, views, parse);
  const session = new Session(db, trace, opts.warnings);
  let result: QueryResult = { columns: [], rows: [], tables: [] };
  for (const stmt of statements) {
    const range = stmt.range ?? [0, sql.length];
    const analysis = new Analyser(sql, lookupTable, masked.unmask, viewLookup).analyse(stmt);
    await session.materialise(analysis);
    result = execute(db, sql.slice(range[0], range[1]), session.tableNames());
  }
  return result;
}

/** The views that exist in the query database, parsed for the analyser (null when the parser cannot read one). */
function parsedViews(db: Database, views: ReadonlyMap<string, string>, parse: typeof import("sql-parser-cst").parse): ViewLookup {
  const created = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").values().map((r) => String(r[0]).toLowerCase()));
  const cache = new Map<string, ViewDefinition>();
  return (name) => {
    const body = views.get(name);
    if (body === undefined || !created.has(name)) return undefined;
    let def = cache.get(name);
    if (!def) {
      const masked = maskKeywordTables(body, tokenize(body));
      let stmt = null;
      try {
        stmt = parse(masked.text, { dialect: "sqlite", includeRange: true }).statements[0] ?? null;
      } catch (e) {
        verbose("engine.ts", `view ${name} is filled without constraints: the parser cannot read it (${(e as Error).message.split("\n")[0]})`);
      }
      def = { text: body, stmt };
      cache.set(name, def);
    }
    return def;
  };
}

/** Refuses everything but reading, before anything runs (bun:sqlite has no authorizer). */
function gate(stmt: Node): void {
  if (stmt.type === "select_stmt" || stmt.type === "compound_select_stmt") return;
  if (stmt.type === "explain_stmt") return gate(stmt.statement);
  if (stmt.type === "pragma_stmt") {
    const pragma = stmt.pragma;
    if (pragma.type === "pragma_assignment") throw notAuthorized();
    if (pragma.type === "pragma_func_call") {
      const name = pragma.name.type === "identifier" ? pragma.name.name : pragma.name.type === "member_expr" && pragma.name.property.type === "identifier" ? pragma.name.property.name : "";
      if (!READ_PRAGMAS.has(name.toLowerCase())) throw notAuthorized();
    }
    return;
  }
  throw notAuthorized();
}

/** When the parser cannot read SQL that SQLite might: fill every named table without constraints. */
async function fallback(
  db: Database,
  sql: string,
  tokens: Token[],
  opts: QueryOptions,
  views: ReadonlyMap<string, string>,
  trace: ((line: string) => void) | undefined,
): Promise<QueryResult> {
  try {
    db.prepare(sql).finalize();
  } catch (e) {
    // Tables are not created yet, so only an error other than a missing table is final here.
    const msg = (e as Error).message;
    if (!/^no such table/.test(msg)) throw new QueryError(msg);
  }
  const first = tokens[0]!.kind === "word" ? tokens[0]!.text.toLowerCase() : "";
  const writes = tokens.some((t) => t.kind === "word" && WRITE_WORDS.has(t.text.toLowerCase()) && t.text.toLowerCase() !== "replace");
  if (!["select", "with", "values"].includes(first) || writes) throw notAuthorized();
  const viewTokens = [...views.values()].flatMap((body) => tokenize(body));
  const identifiers = new Set([...tokens, ...viewTokens].map(identifierOf).filter((x): x is string => x !== null));
  const refs: TableRef[] = [];
  for (const name of identifiers) {
    const table = lookupTable(name);
    if (table) refs.push({ kind: "table", id: refs.length, name, alias: name, table, literals: [], joins: [], subqueries: [], ownFilters: [] });
  }
  const session = new Session(db, trace, opts.warnings);
  await session.materialise({ refs, identifiers, usesStar: true, kind: "select_stmt" });
  return execute(db, sql, session.tableNames());
}

/** The tables of one query database, shared by the statement and the views it uses. */
class Session {
  private readonly tables = new Map<string, MaterialisedTable>();

  constructor(
    private readonly db: Database,
    private readonly trace?: (line: string) => void,
    private readonly warnings?: string[],
  ) {}

  tableNames(): string[] {
    return [...new Set([...this.tables.values()].map((t) => t.table.name))];
  }

  async materialise(analysis: Analysis): Promise<void> {
    let steps: PlanStep[];
    try {
      steps = plan(analysis.refs);
    } catch (e) {
      if (e instanceof RequiredColumnError) {
        throw new QueryError("constraint failed", SQLITE_CONSTRAINT, [
          e.message,
          `Please see the table documentation: https://osquery.io/schema/#${e.table}`,
        ]);
      }
      throw e;
    }
    for (const step of steps) {
      const { ref } = step;
      let mt = this.tables.get(ref.name);
      if (!mt) {
        mt = new MaterialisedTable(this.db, ref.name, ref.table, analysis.identifiers);
        this.tables.set(ref.name, mt);
      }
      const { ctx, empty } = buildContext(this.db, step, analysis);
      this.trace?.(describe(ref, ctx, empty));
      // A table never called (its join source is empty) is not warned about, as in osquery.
      if (!empty && ref.table.userData && !ctx.hasConstraint("uid") && !ctx.hasConstraint("username")) {
        this.warnings?.push(
          `The ${ref.table.name} table returns data based on the current user by default, consider JOINing against the users table`,
          `Please see the table documentation: https://osquery.io/schema/#${ref.table.name}`,
        );
      }
      if (empty) continue;
      let rows;
      try {
        rows = await ref.table.generate(ctx);
      } catch (e) {
        throw new QueryError(`Error generating table ${ref.table.name}: ${(e as Error).message}`);
      }
      mt.insert(rows);
    }
  }
}

/** Builds the generator's context; `empty` when a join or subquery leaves no value to match. */
function buildContext(db: Database, step: PlanStep, analysis: Analysis): { ctx: QueryContext; empty: boolean } {
  const { ref } = step;
  const map = new Map<string, Constraint[]>();
  const add = (column: string, op: OpCode, expr: string) => {
    const list = map.get(column) ?? [];
    list.push({ op, expr });
    map.set(column, list);
  };
  let empty = false;
  if (ref.literals.length > 0) {
    const exprs = ref.literals.map((l) => l.exprSql).join(", ");
    let values: unknown[] | null = null;
    try {
      values = (db.prepare(`SELECT ${exprs}`).values()[0] as unknown[]) ?? null;
    } catch {
      values = null; // an expression SQLite cannot evaluate alone: not pushed down
    }
    ref.literals.forEach((l, i) => {
      const text = values ? constraintText(values[i]) : null;
      if (text !== null) add(l.column, l.op, text);
    });
  }
  for (const j of step.joins) {
    const source = j.source;
    const filters = source.ownFilters.map((f) => `(${f})`).join(" AND ");
    // A derived table is run by SQLite on its materialised inputs, with the CTEs it can see.
    const base =
      source.kind === "table"
        ? `SELECT DISTINCT ${quoteIdent(source.alias)}.${quoteIdent(j.sourceColumn)} FROM ${quoteIdent(source.name)} AS ${quoteIdent(source.alias)}`
        : `${source.withSql}SELECT DISTINCT ${quoteIdent(j.sourceColumn)} FROM ${source.fromSql}`;
    let values: unknown[];
    try {
      values = db.prepare(filters ? `${base} WHERE ${filters}` : base).values().map((r) => r[0]);
    } catch (e) {
      verbose("engine.ts", `join values for ${ref.name}.${j.column} read without the source's own filters: ${(e as Error).message}`);
      try {
        values = db.prepare(base).values().map((r) => r[0]);
      } catch (e2) {
        // Not evaluable alone (e.g. it reads an outer column): the constraint is not pushed.
        verbose("engine.ts", `join values for ${ref.name}.${j.column} not pushed: ${(e2 as Error).message}`);
        continue;
      }
    }
    const texts = values.map(constraintText).filter((v): v is string => v !== null);
    if (texts.length === 0) empty = true;
    for (const t of texts) add(j.column, Op.EQUALS, t);
  }
  for (const s of ref.subqueries) {
    if (!s.refs.every((r) => r !== ref)) continue;
    let values: unknown[];
    try {
      values = db.prepare(s.sql).values().map((r) => r[0]);
    } catch (e) {
      verbose("engine.ts", `subquery values for ${ref.name}.${s.column} not pushed (correlated or not standalone): ${(e as Error).message}`);
      continue;
    }
    const texts = values.map(constraintText).filter((v): v is string => v !== null);
    if (texts.length === 0) empty = true;
    for (const t of texts) add(s.column, Op.EQUALS, t);
  }
  const used = analysis.usesStar ? null : new Set(ref.table.columns.map((c) => c.name).filter((n) => analysis.identifiers.has(n)));
  return { ctx: new QueryContext(map, used), empty };
}

function describe(ref: TableRef, ctx: QueryContext, empty: boolean): string {
  const head = ref.alias === ref.name ? ref.name : `${ref.name} AS ${ref.alias}`;
  const parts: string[] = [];
  for (const [col, list] of ctx.constraints) {
    const byOp = new Map<OpCode, string[]>();
    for (const c of list) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c.expr]);
    for (const [op, values] of byOp) {
      const shown = values.length > 5 ? `${values.slice(0, 5).map((v) => JSON.stringify(v)).join(", ")}, … (${values.length} values)` : values.map((v) => JSON.stringify(v)).join(", ");
      parts.push(op === Op.EQUALS && values.length > 1 ? `${col} IN (${shown})` : `${col} ${OP_TEXT[op] ?? op} ${shown}`);
    }
  }
  if (empty) return `${head}: no rows can match (a join or subquery gave no values); generator not called`;
  return `${head}: ${parts.length > 0 ? parts.join(" AND ") : "full scan (no constraints)"}`;
}

function execute(db: Database, sql: string, tables: string[]): QueryResult {
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
