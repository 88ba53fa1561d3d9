// Step 3a: the query context a generator receives (osquery's operators and
// values per column). Literals are evaluated by SQLite; join and subquery
// values are read from what is already materialised.
import type { Database } from "bun:sqlite";
import { verbose } from "../logger/glog.ts";
import { Op, QueryContext, type Constraint, type OpCode } from "../table.ts";
import type { Analysis, LiteralConstraint } from "./analyse.ts";
import { QueryError } from "./errors.ts";
import { QueryStopped, type QueryBudget } from "./limits.ts";
import { quoteIdent } from "./materialise.ts";
import type { PlanStep } from "./plan.ts";

/** Converts a SQLite value to the text a constraint carries. */
function constraintText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/**
 * SQLite refuses a result set of more than 2000 columns (SQLITE_MAX_COLUMN),
 * so an IN list of any length is evaluated a slice at a time.
 */
const LITERAL_BATCH = 500;

type Evaluated = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Evaluates constant expressions; one SQLite cannot evaluate alone does not cost the others their pushdown. */
function evaluateLiterals(db: Database, exprs: readonly string[], table: string): Evaluated[] {
  const out: Evaluated[] = [];
  for (let start = 0; start < exprs.length; start += LITERAL_BATCH) {
    const batch = exprs.slice(start, start + LITERAL_BATCH);
    try {
      const row = (db.prepare(`SELECT ${batch.join(", ")}`).values()[0] as unknown[] | undefined) ?? [];
      for (let i = 0; i < batch.length; i++) out.push({ ok: true, value: row[i] });
    } catch (e) {
      // Past the deadline, every further evaluation would stop the same way.
      if (e instanceof QueryStopped) throw e;
      for (const expr of batch) {
        try {
          out.push({ ok: true, value: (db.prepare(`SELECT ${expr}`).values()[0] as unknown[] | undefined)?.[0] });
        } catch (e) {
          if (e instanceof QueryStopped) throw e;
          const message = (e as Error).message;
          verbose("context.ts", `constraint ${expr} on ${table} not pushed: ${message}`);
          out.push({ ok: false, message });
        }
      }
    }
  }
  return out;
}

/** Builds the generator's context; `empty` when a join or subquery leaves no value to match. */
export function buildContext(
  db: Database,
  step: PlanStep,
  analysis: Analysis,
  budget: QueryBudget | null = null,
  /** One branch of step.alternatives: its literals join the ref's own. */
  branch: readonly LiteralConstraint[] = [],
): { ctx: QueryContext; empty: boolean } {
  const { ref } = step;
  const literals = [...ref.literals, ...branch];
  const map = new Map<string, Constraint[]>();
  const add = (column: string, op: OpCode, expr: string) => {
    const list = map.get(column);
    if (list) list.push({ op, expr });
    else map.set(column, [{ op, expr }]);
  };
  let empty = false;
  const values = evaluateLiterals(db, literals.map((l) => l.exprSql), ref.name);
  const required = new Set(ref.table.columns.filter((c) => c.required).map((c) => c.name));
  let unevaluated: { column: string; message: string } | null = null;
  // An IN list or a subquery may repeat a value; the generator gets each once
  // (join values need no check: they are read with SELECT DISTINCT).
  const literalSeen = new Set<string>();
  literals.forEach((l, i) => {
    const v = values[i]!;
    if (v.ok) {
      const text = constraintText(v.value);
      const key = `${l.column} ${l.op} ${text}`;
      if (text !== null && !literalSeen.has(key)) {
        literalSeen.add(key);
        add(l.column, l.op, text);
      }
    } else if (required.has(l.column)) {
      unevaluated ??= { column: l.column, message: v.message };
    }
  });
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
      if (e instanceof QueryStopped) throw e;
      verbose("context.ts", `join values for ${ref.name}.${j.column} read without the source's own filters: ${(e as Error).message}`);
      try {
        values = db.prepare(base).values().map((r) => r[0]);
      } catch (e2) {
        if (e2 instanceof QueryStopped) throw e2;
        // Not evaluable alone (e.g. it reads an outer column): the constraint is not pushed.
        verbose("context.ts", `join values for ${ref.name}.${j.column} not pushed: ${(e2 as Error).message}`);
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
      if (e instanceof QueryStopped) throw e;
      verbose("context.ts", `subquery values for ${ref.name}.${s.column} not pushed (correlated or not standalone): ${(e as Error).message}`);
      continue;
    }
    const texts = new Set(values.map(constraintText).filter((v): v is string => v !== null));
    if (texts.size === 0) empty = true;
    for (const t of texts) add(s.column, Op.EQUALS, t);
  }
  // Without its required value the generator would return nothing and the
  // query would look empty; osquery's SQLite fails on the same expression.
  if (unevaluated !== null && ![...required].some((c) => map.has(c)) && !empty) {
    const { column, message } = unevaluated;
    throw new QueryError(`Cannot evaluate the constraint on ${ref.table.name}.${column}: ${message}`);
  }
  const used = analysis.usesStar ? null : new Set(ref.table.columns.map((c) => c.name).filter((n) => analysis.identifiers.has(n)));
  return { ctx: new QueryContext(map, used, budget), empty };
}
