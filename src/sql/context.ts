// Step 3a: the query context a generator receives (osquery's operators and
// values per column). Literals are evaluated by SQLite; join and subquery
// values are read from what is already materialised.
import type { Database } from "bun:sqlite";
import { verbose } from "../logger/glog.ts";
import { Op, QueryContext, type Constraint, type OpCode } from "../table.ts";
import type { Analysis } from "./analyse.ts";
import { quoteIdent } from "./materialise.ts";
import type { PlanStep } from "./plan.ts";

/** Converts a SQLite value to the text a constraint carries. */
function constraintText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** Builds the generator's context; `empty` when a join or subquery leaves no value to match. */
export function buildContext(db: Database, step: PlanStep, analysis: Analysis): { ctx: QueryContext; empty: boolean } {
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
    } catch (e) {
      // An expression SQLite cannot evaluate alone: not pushed down.
      verbose("context.ts", `constraints on ${ref.name} not pushed: ${(e as Error).message}`);
      values = null;
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
      verbose("context.ts", `join values for ${ref.name}.${j.column} read without the source's own filters: ${(e as Error).message}`);
      try {
        values = db.prepare(base).values().map((r) => r[0]);
      } catch (e2) {
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
      verbose("context.ts", `subquery values for ${ref.name}.${s.column} not pushed (correlated or not standalone): ${(e as Error).message}`);
      continue;
    }
    const texts = values.map(constraintText).filter((v): v is string => v !== null);
    if (texts.length === 0) empty = true;
    for (const t of texts) add(s.column, Op.EQUALS, t);
  }
  const used = analysis.usesStar ? null : new Set(ref.table.columns.map((c) => c.name).filter((n) => analysis.identifiers.has(n)));
  return { ctx: new QueryContext(map, used), empty };
}
