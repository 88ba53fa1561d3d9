// The table registry: built-in tables plus those extensions register, looked
// up by name or alias. --disable_tables / --enable_tables are applied here.
import type { Table } from "./table.ts";
import { flags } from "./flags/flags.ts";
import { builtinTableNames } from "./table-names.ts" with { type: "macro" };

/** Names of the built-in tables, inlined at build time: no table module is loaded to know them. */
const BUILTIN_NAMES: ReadonlySet<string> = new Set(builtinTableNames());

/** The table modules, loaded on first use (a table-free query never loads them). */
let builtinTables: readonly Table[] | null = null;

export async function loadTables(): Promise<void> {
  if (builtinTables) return;
  builtinTables = (await import("../tables/index.ts")).builtinTables;
  byName = null;
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
  if (!builtinTables) throw new Error("the table registry was used before loadTables()");
  byName = new Map();
  for (const t of [...builtinTables, ...extensionTables.values()]) {
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
