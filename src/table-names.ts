// A Bun macro: evaluated when osq is bundled, it inlines every built-in
// table's name and aliases, so the registry knows which names are tables (and
// which module holds an alias) without loading any table module.
import { builtinTables } from "../tables/index.ts";

/** [name or alias, table name] for every built-in table. */
export function builtinTableNames(): [string, string][] {
  return builtinTables.flatMap((t) => [[t.name, t.name] as [string, string], ...t.aliases.map((a) => [a, t.name] as [string, string])]);
}
