// The one place a query can loop inside SQLite without scanning a
// materialised table: a recursive CTE (`WITH RECURSIVE c(x) AS (SELECT 1
// UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c` never yields a row).
// Each SELECT with a FROM inside a recursive CTE gets the query's checkpoint
// (limits.ts) AND-ed to its WHERE. SQLite evaluates a non-deterministic call
// for every row of the loop it sits in, so the recursion checks the deadline
// at every step. The term is always true, so the results stay the same.
import type { Node, SelectStmt } from "sql-parser-cst";
import { children } from "./analyse.ts";
import { CHECKPOINT_FUNCTION } from "./limits.ts";

interface Insertion {
  readonly at: number;
  readonly text: string;
}

/**
 * `sql` with checkpoints in its recursive CTEs, or null when it has none.
 * `tree` is a statement parsed from `sql` (or from text of the same length)
 * with ranges.
 */
export function withCheckpoints(sql: string, tree: Node): string | null {
  const edits: Insertion[] = [];
  visit(tree, false, edits);
  if (edits.length === 0) return null;
  // From the end, so that the offsets still to apply stay valid.
  edits.sort((a, b) => b.at - a.at);
  let out = sql;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

function visit(node: Node, recursive: boolean, edits: Insertion[]): void {
  if (node.type === "with_clause") {
    const inner = recursive || node.recursiveKw !== undefined;
    for (const c of children(node)) visit(c, inner, edits);
    return;
  }
  if (recursive && node.type === "select_stmt") addCheckpoint(node, edits);
  for (const c of children(node)) visit(c, recursive, edits);
}

function addCheckpoint(stmt: SelectStmt, edits: Insertion[]): void {
  const from = stmt.clauses.find((c) => c.type === "from_clause");
  if (!from?.range) return;
  const where = stmt.clauses.find((c) => c.type === "where_clause");
  const call = `${CHECKPOINT_FUNCTION}()`;
  if (where?.type === "where_clause" && where.expr.range) {
    edits.push({ at: where.expr.range[1], text: `) AND ${call}` }, { at: where.expr.range[0], text: "(" });
  } else {
    edits.push({ at: from.range[1], text: ` WHERE ${call}` });
  }
}
