// Step 2: order the references so that a table fed by another is filled after
// it, and refuse a table whose required columns get no constraint at all.
import type { Column } from "../table.ts";
import { sourceRefs, type LiteralConstraint, type Source, type TableRef } from "./analyse.ts";

export class RequiredColumnError extends Error {
  constructor(readonly table: string) {
    super(`Table ${table} was queried without a required column in the WHERE clause`);
  }
}

/** A join constraint is worth waiting for when its column is one the generator uses. */
function usefulColumn(ref: TableRef, column: string): boolean {
  const c: Column | undefined = ref.table.columns.find((x) => x.name === column);
  return !!c && (c.required || c.index || c.optimized || c.additional);
}

function requiredColumns(ref: TableRef): string[] {
  return ref.table.columns.filter((c) => c.required).map((c) => c.name);
}

/** Which of the ref's required columns are constrained by its own literals, or by every branch of an OR. */
function literallySatisfied(ref: TableRef): boolean {
  const req = requiredColumns(ref);
  return req.length === 0 || ref.literals.some((l) => req.includes(l.column)) || requiredAlternatives(ref, req) !== null;
}

/** The first OR term (of the ref's alternatives) each of whose branches constrains a column `wanted` accepts. */
function alternativesWhere(ref: TableRef, wanted: (column: string) => boolean): LiteralConstraint[][] | null {
  return ref.alternatives.find((branches) => branches.every((b) => b.some((l) => wanted(l.column)))) ?? null;
}

/** The first OR term each of whose branches constrains one of `req`, the ref's required columns. */
function requiredAlternatives(ref: TableRef, req: readonly string[]): LiteralConstraint[][] | null {
  return req.length === 0 ? null : alternativesWhere(ref, (c) => req.includes(c));
}

/**
 * Whether the ref is generated once per branch of an OR, as SQLite's OR
 * optimisation calls a virtual table, instead of once with the AND-ed
 * constraints: when those leave a required column unconstrained (the
 * query could not run otherwise), or constrain no column the generator uses
 * while each branch does (`pid = 1 OR pid IN (SELECT ...)` is not that: a
 * branch with a subquery is never an alternative).
 */
function chooseAlternatives(ref: TableRef, req: readonly string[], satisfiedWithout: boolean): LiteralConstraint[][] | null {
  if (!satisfiedWithout) return requiredAlternatives(ref, req);
  if (ref.literals.some((l) => usefulColumn(ref, l.column))) return null;
  return alternativesWhere(ref, (c) => usefulColumn(ref, c));
}

export interface PlanStep {
  readonly ref: TableRef;
  /** Join constraints whose source is filled before this ref. */
  readonly joins: TableRef["joins"];
  /**
   * Branches of an OR: the ref is generated once per branch, each time with
   * its own literals beside the AND-ed ones, and the rows are the union.
   * Null: generated once.
   */
  readonly alternatives: LiteralConstraint[][] | null;
}

/**
 * Orders refs: a ref waits for the sources of its useful join constraints and
 * for the refs inside its subqueries. When only cycles remain, the first ref
 * that can run on its own literals goes first without its joins.
 */
export function plan(refs: readonly TableRef[]): PlanStep[] {
  const done = new Set<TableRef>();
  const steps: PlanStep[] = [];
  const pending = [...refs];
  const subDeps = (r: TableRef) => r.subqueries.flatMap((s) => s.refs);
  const filled = (s: Source) => sourceRefs(s).every((d) => done.has(d));
  while (pending.length > 0) {
    let pick = pending.find(
      (r) =>
        subDeps(r).every((d) => done.has(d)) &&
        r.joins.filter((j) => usefulColumn(r, j.column) && j.source !== r).every((j) => filled(j.source)),
    );
    if (!pick) pick = pending.find((r) => subDeps(r).every((d) => done.has(d)) && literallySatisfied(r));
    if (!pick) pick = pending.find((r) => literallySatisfied(r));
    if (!pick) throw new RequiredColumnError(pending[0]!.table.name);
    const joins = pick.joins.filter((j) => filled(j.source) && usefulColumn(pick!, j.column));
    const req = requiredColumns(pick);
    const satisfied =
      req.length === 0 ||
      pick.literals.some((l) => req.includes(l.column)) ||
      joins.some((j) => req.includes(j.column)) ||
      pick.subqueries.some((s) => req.includes(s.column) && s.refs.every((d) => done.has(d)));
    const alternatives = chooseAlternatives(pick, req, satisfied);
    if (!satisfied && alternatives === null) throw new RequiredColumnError(pick.table.name);
    steps.push({ ref: pick, joins, alternatives });
    done.add(pick);
    pending.splice(pending.indexOf(pick), 1);
  }
  return steps;
}
