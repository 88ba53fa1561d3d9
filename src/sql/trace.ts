// The plan trace: one line per table reference saying what its generator was
// given. `.plan SQL` shows it, and --planner prints it to stderr for every
// query as osquery prints its own planner's trace.
import { flags } from "../flags/flags.ts";
import { Op, type OpCode, type QueryContext } from "../table.ts";
import type { TableRef } from "./analyse.ts";

export type TraceSink = (line: string) => void;

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

/** Where plan lines go: the caller's trace, and stderr under --planner (osquery prints its planner there). */
export function traceSink(trace: string[] | undefined): TraceSink | undefined {
  const planner = flags.bool("planner");
  if (!trace && !planner) return undefined;
  return (line) => {
    trace?.push(line);
    if (planner) process.stderr.write(`osquery planner: ${line}\n`);
  };
}

/** Values shown per column and operator: a join can push tens of thousands. */
const SHOWN_VALUES = 5;

export function describe(ref: TableRef, ctx: QueryContext, empty: boolean): string {
  const head = ref.alias === ref.name ? ref.name : `${ref.name} AS ${ref.alias}`;
  const parts: string[] = [];
  for (const [col, list] of ctx.constraints) {
    const byOp = new Map<OpCode, string[]>();
    for (const c of list) {
      const values = byOp.get(c.op);
      if (values) values.push(c.expr);
      else byOp.set(c.op, [c.expr]);
    }
    for (const [op, values] of byOp) {
      const head = values.slice(0, SHOWN_VALUES).map((v) => JSON.stringify(v)).join(", ");
      const shown = values.length > SHOWN_VALUES ? `${head}, ... ${values.length - SHOWN_VALUES} more` : head;
      parts.push(op === Op.EQUALS && values.length > 1 ? `${col} IN (${shown})` : `${col} ${OP_TEXT[op] ?? op} ${shown}`);
    }
  }
  if (empty) return `${head}: no rows can match (a join or subquery gave no values); generator not called`;
  return `${head}: ${parts.length > 0 ? parts.join(" AND ") : "full scan (no constraints)"}`;
}
