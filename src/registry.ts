// The table registry: built-in tables plus those extensions register, looked
// up by name or alias. --disable_tables / --enable_tables are applied here.
import type { Table } from "./table.ts";
import { flags } from "./flags/flags.ts";
import { provideTableList } from "./table-list.ts";
import { builtinTableNames } from "./table-names.ts" with { type: "macro" };

/** Name or alias → table name, inlined at build time: no table module is loaded to know them. */
const BUILTIN_NAMES: ReadonlyMap<string, string> = new Map(builtinTableNames());

/** Built-in table modules loaded so far: a query loads only the tables it names. */
const loaded = new Map<string, Table>();

/** Loads the modules of the built-in tables among `names` (names or aliases, any case). */
export async function loadTablesNamed(names: Iterable<string>): Promise<void> {
  const { tableModules } = await import("../tables/modules.ts");
  for (const n of names) {
    const table = BUILTIN_NAMES.get(n.toLowerCase());
    if (!table || loaded.has(table)) continue;
    const load = tableModules[table];
    if (!load) continue;
    loaded.set(table, (await load()).default);
    byName = null;
  }
}

/** Loads every built-in table (for .tables, .schema, osquery_registry). */
export async function loadTables(): Promise<void> {
  if (loaded.size < new Set(BUILTIN_NAMES.values()).size) await loadTablesNamed(BUILTIN_NAMES.keys());
}

/** Whether `name` may be a table, without loading any table module. */
export function isTableName(name: string): boolean {
  const lower = name.toLowerCase();
  return BUILTIN_NAMES.has(lower) || extensionTables.has(lower) || (byName?.has(lower) ?? false);
}

const extensionTables = new Map<string, Table>();

function listFlag(name: string): Set<string> {
  return new Set(flags.get(name).split(",").map((s) => s.trim()).filter(Boolean));
}

function enabled(table: Table): boolean {
  const disabled = listFlag("disable_tables");
  const only = listFlag("enable_tables");
  if (only.size > 0 && !only.has(table.name)) return false;
  return !disabled.has(table.name);
}

let byName: Map<string, Table> | null = null;

function index(): Map<string, Table> {
  if (byName) return byName;
  byName = new Map();
  for (const t of [...loaded.values(), ...extensionTables.values()]) {
    if (!enabled(t)) continue;
    byName.set(t.name, t);
    for (const a of t.aliases) byName.set(a, t);
  }
  return byName;
}

export function lookupTable(name: string): Table | undefined {
  return index().get(name.toLowerCase());
}

/** Every registered table (not aliases), sorted by name. */
export function allTables(): Table[] {
  const seen = new Set<Table>();
  for (const t of index().values()) seen.add(t);
  return [...seen].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function registerExtensionTable(table: Table): void {
  extensionTables.set(table.name, table);
  byName = null;
}

export function removeExtensionTable(name: string): void {
  extensionTables.delete(name);
  byName = null;
}

/** Called when flags that change the registry (disable_tables, enable_tables) change. */
export function resetRegistry(): void {
  byName = null;
}

provideTableList(async () => {
  await loadTables();
  return allTables().map((t) => t.name);
});
