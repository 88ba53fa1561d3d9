// The write gate: bun:sqlite has no authorizer, so only reading SQL may run
// (DESIGN "The query path"). Checked on the parsed statements before anything runs.
import type { Node } from "sql-parser-cst";
import { QueryError, SQLITE_AUTH } from "./errors.ts";

/** Words that can start or carry a write; any of them sends the SQL through the full gate. */
export const WRITE_WORDS = new Set([
  "attach", "detach", "vacuum", "insert", "update", "delete", "replace", "create", "drop", "alter",
  "pragma", "reindex", "analyze", "begin", "commit", "rollback", "savepoint", "release", "end",
]);

/** PRAGMAs that only read; any other PRAGMA (or an assignment) is refused. */
const READ_PRAGMAS = new Set([
  "table_info", "table_xinfo", "table_list", "index_info", "index_list", "index_xinfo", "foreign_key_list",
  "function_list", "pragma_list", "collation_list", "compile_options", "database_list", "module_list",
]);

export function notAuthorized(): QueryError {
  return new QueryError("not authorized", SQLITE_AUTH);
}

/** Refuses everything but reading, before anything runs (bun:sqlite has no authorizer). */
export function gate(stmt: Node): void {
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
