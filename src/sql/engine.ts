// The query path, end to end: gate → analyse → plan → materialise → execute.
// Each query gets a fresh in-memory SQLite database holding only the tables it
// references, filled with just the rows their constraints ask for.
import type { Database } from "bun:sqlite";
import { isTableName, loadTablesNamed, lookupTable } from "../registry.ts";
import { identifierOf, tokenize, type Token } from "./lexer.ts";
import { Analyser, maskKeywordTables, unmaskTree, type Analysis, type LiteralConstraint, type TableRef } from "./analyse.ts";
import { plan, RequiredColumnError, type PlanStep } from "./plan.ts";
import { MaterialisedTable } from "./materialise.ts";
import type { QueryContext, Table } from "../table.ts";
import { preparedKey, preparedQueries } from "./analysis-cache.ts";
import type { PreparedQuery } from "./analysis-codec.ts";
import { OSQUERY_FUNCTION_NAMES } from "./function-names.ts";
import { QueryError, SQLITE_CONSTRAINT } from "./errors.ts";
import { gate, notAuthorized, WRITE_WORDS } from "./gate.ts";
import { buildContext } from "./context.ts";
import { execute, newQueryDatabase, type QueryResult } from "./execute.ts";
import { describe, traceSink, type TraceSink } from "./trace.ts";
import { createViews, parsedViews, usedViews } from "./views.ts";
import { NO_LIMITS, QueryBudget, QueryStopped, type QueryLimits } from "./limits.ts";
import { withCheckpoints } from "./checkpoints.ts";
import { errorMessage, verbose } from "../logger/glog.ts";

export { QueryError, SQLITE_AUTH, SQLITE_CONSTRAINT, SQLITE_ERROR } from "./errors.ts";
export { newQueryDatabase, type QueryResult, type ResultColumn } from "./execute.ts";
export { checkViews } from "./views.ts";
export { flagLimits, NO_LIMITS, QueryStopped, type QueryLimits } from "./limits.ts";

export interface QueryOptions {
  /** Receives one line per table reference: the constraints its generator got. */
  readonly trace?: string[];
  /** Receives the warnings osquery logs while planning (e.g. a per-user table without a uid). */
  readonly warnings?: string[];
  /** Views from the config: name → SQL. */
  readonly views?: ReadonlyMap<string, string>;
  /** Time and row limits; a query past one throws QueryStopped. */
  readonly limits?: QueryLimits;
  /**
   * Creates each table without calling its generator: the result has the
   * columns and their declared types, and no rows (getQueryColumns).
   */
  readonly columnsOnly?: boolean;
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
  const budget = new QueryBudget(opts.limits ?? NO_LIMITS);
  const views = await checkpointedViews(usedViews(words, opts.views ?? new Map<string, string>()), budget);
  // Views may call any function; otherwise only a query naming one needs them.
  const db = await newQueryDatabase(views.size > 0 || words.some((w) => w !== null && OSQUERY_FUNCTION_NAMES.has(w)));
  const trace = traceSink(opts.trace);
  if (budget.timed) budget.register(db);
  try {
    const first = tokens[0]!.kind === "word" ? tokens[0]!.text.toLowerCase() : "";
    const needsAnalysis =
      views.size > 0 ||
      words.some((w) => w !== null && isTableName(w)) ||
      !["select", "values"].includes(first) ||
      tokens.some((t) => t.kind === "word" && WRITE_WORDS.has(t.text.toLowerCase())) ||
      tokens.some((t) => t.kind === "semicolon") ||
      // A recursive CTE gets its checkpoints from the parsed statement.
      (budget.timed && words.includes("recursive"));
    if (!needsAnalysis) return execute(db, sql, [], budget);
    // Only the tables the SQL (and any view it uses) names are loaded.
    const viewWords = [...views.values()].flatMap((body) => tokenize(body).map(identifierOf));
    const names = [...words, ...viewWords].filter((w): w is string => w !== null && isTableName(w));
    await loadTablesNamed(names);
    // A view SQLite refuses is reported once, when the config loads (checkViews),
    // as osquery does; here it is just absent, so the query fails on its name.
    createViews(db, views);
    return await analyseAndRun(db, sql, tokens, names, opts, views, trace, budget);
  } finally {
    db.close();
  }
}

/** The config views with checkpoints in their recursive CTEs, when the query has a deadline. */
async function checkpointedViews(views: Map<string, string>, budget: QueryBudget): Promise<Map<string, string>> {
  const recursive = (body: string) => tokenize(body).some((t) => identifierOf(t) === "recursive");
  if (!budget.timed || ![...views.values()].some(recursive)) return views;
  const { parse } = await parser();
  const out = new Map<string, string>();
  for (const [name, body] of views) {
    let text = body;
    if (recursive(body)) {
      try {
        const tree = parse(maskKeywordTables(body, tokenize(body)).text, { dialect: "sqlite", includeRange: true, paramTypes: ["?"] });
        text = withCheckpoints(body, tree) ?? body;
      } catch (e) {
        verbose("engine.ts", `view ${name} runs without checkpoints: the parser cannot read it: ${errorMessage(e)}`);
      }
    }
    out.set(name, text);
  }
  return out;
}

/**
 * Runs a query that needs its tables analysed: from its prepared form when
 * the same query (same SQL, views, deadline and tables) was prepared before,
 * otherwise parsed now and kept for the next time (analysis-cache.ts).
 */
async function analyseAndRun(
  db: Database,
  sql: string,
  tokens: Token[],
  /** The words of the SQL and its views that name tables. */
  names: readonly string[],
  opts: QueryOptions,
  views: ReadonlyMap<string, string>,
  trace: TraceSink | undefined,
  budget: QueryBudget,
): Promise<QueryResult> {
  const tables = new Map<string, Table>();
  for (const name of names) {
    const t = lookupTable(name);
    if (t) tables.set(name, t);
  }
  const key = preparedKey(sql, budget.timed, views, tables);
  let prepared = preparedQueries.get(key, lookupTable);
  if (!prepared) {
    prepared = await prepare(db, sql, tokens, views, budget);
    preparedQueries.put(key, prepared);
  }
  if (prepared.kind === "fallback") return fallback(db, sql, tokens, opts, views, trace, budget);
  const session = new Session(db, budget, trace, opts.warnings, opts.columnsOnly ?? false);
  // The statements share the query database, whose tables are created with the
  // columns the first one needs: each must therefore see what all of them use.
  const analyses = prepared.statements.map((s) => s.analysis);
  const identifiers = new Set(analyses.flatMap((a) => [...a.identifiers]));
  const usesStar = analyses.some((a) => a.usesStar);
  let result: QueryResult = { columns: [], rows: [], tables: [] };
  for (const { range, analysis } of prepared.statements) {
    await session.materialise({ ...analysis, identifiers, usesStar });
    result = execute(db, prepared.sql.slice(range[0], range[1]), session.tableNames(), budget);
  }
  return result;
}

/**
 * Parses and analyses a query: the write gate on each statement, checkpoints
 * in its recursive CTEs when it has a deadline, and each statement's table
 * references with their constraints. Throws what the gate refuses.
 */
export async function prepare(
  db: Database,
  sql: string,
  tokens: Token[],
  views: ReadonlyMap<string, string>,
  budget: QueryBudget,
  checkpointed = false,
): Promise<PreparedQuery> {
  const { parse } = await parser();
  const masked = maskKeywordTables(sql, tokens);
  let program;
  try {
    program = parse(masked.text, { dialect: "sqlite", includeRange: true, paramTypes: ["?"] });
  } catch {
    return { kind: "fallback" };
  }
  unmaskTree(program, masked.unmask);
  const statements = program.statements.filter((s) => s.type !== "empty");
  for (const stmt of statements) gate(stmt);
  if (budget.timed && !checkpointed) {
    // The statement with checkpoints is analysed in place of the original,
    // so the subqueries the planner runs on its own are bounded as well.
    const rewritten = withCheckpoints(sql, program);
    if (rewritten !== null) return prepare(db, rewritten, tokenize(rewritten), views, budget, true);
  }
  const viewLookup = parsedViews(db, views, parse);
  return {
    kind: "parsed",
    sql,
    statements: statements.map((stmt) => ({
      range: stmt.range ?? [0, sql.length],
      analysis: new Analyser(sql, lookupTable, masked.unmask, viewLookup).analyse(stmt),
    })),
  };
}

/** When the parser cannot read SQL that SQLite might: fill every named table without constraints. */
async function fallback(
  db: Database,
  sql: string,
  tokens: Token[],
  opts: QueryOptions,
  views: ReadonlyMap<string, string>,
  trace: TraceSink | undefined,
  budget: QueryBudget,
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
    if (table) refs.push({ kind: "table", id: refs.length, name, alias: name, table, literals: [], joins: [], subqueries: [], alternatives: [], ownFilters: [] });
  }
  const session = new Session(db, budget, trace, opts.warnings, opts.columnsOnly ?? false);
  await session.materialise({ refs, identifiers, usesStar: true, kind: "select_stmt" });
  return execute(db, sql, session.tableNames(), budget);
}

/** The tables of one query database, shared by the statement and the views it uses. */
class Session {
  private readonly tables = new Map<string, MaterialisedTable>();
  /** The contexts each table was already generated with: a CTE or view used twice asks twice. */
  private readonly generated = new Map<string, Set<string>>();

  constructor(
    private readonly db: Database,
    private readonly budget: QueryBudget,
    private readonly trace?: TraceSink,
    private readonly warnings?: string[],
    private readonly columnsOnly = false,
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
      // An OR's branches, one generator call each; the multiset union below keeps a row two branches share once.
      for (const branch of step.alternatives ?? [[]]) await this.generateStep(step, analysis, branch);
    }
  }

  private async generateStep(step: PlanStep, analysis: Analysis, branch: readonly LiteralConstraint[]): Promise<void> {
    const { ref } = step;
    let mt = this.tables.get(ref.name);
    if (!mt) {
      mt = new MaterialisedTable(this.db, ref.name, ref.table, analysis.identifiers, this.budget.timed, analysis.usesStar);
      this.tables.set(ref.name, mt);
    }
    const { ctx, empty } = buildContext(this.db, step, analysis, this.budget.timed ? this.budget : null, branch);
    const key = contextKey(ctx);
    const seen = this.generated.get(ref.name) ?? new Set<string>();
    this.generated.set(ref.name, seen);
    // The same generator with the same context returns the same rows; the
    // multiset union would add none of them, so it is not called again.
    const again = !empty && seen.has(key);
    const sent = !empty && ref.table.describeContext ? `; sent ${ref.table.describeContext(ctx)}` : "";
    if (!this.columnsOnly) this.trace?.(describe(ref, ctx, empty) + sent + (again ? " (rows already generated)" : ""));
    // A table never called (its join source is empty) is not warned about, as in osquery.
    if (!empty && ref.table.userData && !ctx.hasConstraint("uid") && !ctx.hasConstraint("username")) {
      this.warnings?.push(
        `The ${ref.table.name} table returns data based on the current user by default, consider JOINing against the users table`,
        `Please see the table documentation: https://osquery.io/schema/#${ref.table.name}`,
      );
    }
    if (empty || again || this.columnsOnly) return;
    seen.add(key);
    this.budget.check();
    let rows;
    try {
      const generated = ref.table.generate(ctx);
      rows =
        generated instanceof Promise
          ? await this.budget.race(generated, (e) => verbose("engine.ts", `${ref.table.name} failed after its query was stopped: ${errorMessage(e)}`))
          : generated;
    } catch (e) {
      if (e instanceof QueryStopped) throw e;
      throw new QueryError(`Error generating table ${ref.table.name}: ${(e as Error).message}`);
    }
    this.budget.check();
    mt.insert(rows);
  }
}

function contextKey(ctx: QueryContext): string {
  const constraints = [...ctx.constraints].map(([col, list]) => [col, list.map((c) => [c.op, c.expr])]);
  return JSON.stringify([constraints, ctx.colsUsed === null ? null : [...ctx.colsUsed].sort()]);
}
