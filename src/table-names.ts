// A Bun macro: evaluated when osq is bundled, it inlines the names (and
// aliases) of every built-in table, so a query can tell whether it names any
// table without loading the table modules (`select 1` stays at the floor).
import { builtinTables } from "../tables/index.ts";

export function builtinTableNames(): string[] {
  return builtinTables.flatMap((t) => [t.name, ...t.aliases]);
}
