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

export function describe(ref: TableRef, ctx: QueryContext, empty: boolean): string {
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
