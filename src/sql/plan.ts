// Step 2: order the references so that a table fed by another is filled after
// it, and refuse a table whose required columns get no constraint at all.
import type { Column } from "../table.ts";
import { sourceRefs, type Source, type TableRef } from "./analyse.ts";

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

/** Which of the ref's required columns are constrained by its own literals. */
function literallySatisfied(ref: TableRef): boolean {
  const req = requiredColumns(ref);
  return req.length === 0 || ref.literals.some((l) => req.includes(l.column));
}

export interface PlanStep {
  readonly ref: TableRef;
  /** Join constraints whose source is filled before this ref. */
  readonly joins: TableRef["joins"];
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
    if (req.length > 0) {
      const satisfied =
        pick.literals.some((l) => req.includes(l.column)) ||
        joins.some((j) => req.includes(j.column)) ||
        pick.subqueries.some((s) => req.includes(s.column) && s.refs.every((d) => done.has(d)));
      if (!satisfied) throw new RequiredColumnError(pick.table.name);
    }
    steps.push({ ref: pick, joins });
    done.add(pick);
    pending.splice(pending.indexOf(pick), 1);
  }
  return steps;
}
