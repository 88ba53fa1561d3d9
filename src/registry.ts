// The table registry: built-in tables plus those extensions register, looked
// up by name or alias. --disable_tables / --enable_tables are applied here.
import { defineTable, type Table } from "./table.ts";
import { flags } from "./flags/flags.ts";
import { provideTableList } from "./table-list.ts";
import { builtinTableNames } from "./table-names.ts" with { type: "macro" };

/** Name or alias → table name, inlined at build time: no table module is loaded to know them. */
const BUILTIN_NAMES: ReadonlyMap<string, string> = new Map(builtinTableNames());

/** Built-in table modules loaded so far: a query loads only the tables it names. */
const loaded = new Map<string, Table>();

/**
 * osquery's tables for other platforms, registered with --enable_foreign as
 * osquery does: their schemas, no rows. Loaded on first use: null until then.
 */
let foreign: Map<string, Table> | null = null;

async function loadForeignTables(): Promise<void> {
  if (foreign || !flags.bool("enable_foreign")) return;
  const { foreignTables } = await import("../tables/foreign.ts");
  const tables = new Map<string, Table>();
  for (const spec of foreignTables) {
    // A table osq implements for Linux is never shadowed by an empty one.
    if (BUILTIN_NAMES.has(spec.name)) continue;
    const table = defineTable({ ...spec, generate: () => [] });
    for (const name of [table.name, ...table.aliases]) tables.set(name, table);
  }
  foreign = tables;
  byName = null;
}

/** Loads the modules of the built-in tables among `names` (names or aliases, any case). */
export async function loadTablesNamed(names: Iterable<string>): Promise<void> {
  await loadForeignTables();
  await attachExtensionTables(names);
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
  await loadForeignTables();
  if (loaded.size < new Set(BUILTIN_NAMES.values()).size) await loadTablesNamed(BUILTIN_NAMES.keys());
}

/** Whether `name` may be a table, without loading any table module. */
export function isTableName(name: string): boolean {
  const lower = name.toLowerCase();
  if (BUILTIN_NAMES.has(lower) || extensionTables.has(lower) || index().has(lower)) return true;
  // Before the foreign tables are loaded any name may be one: loading them settles it.
  return flags.bool("enable_foreign") && (foreign === null || foreign.has(lower));
}

const extensionTables = new Map<string, Table>();

/**
 * Extension tables whose route named no columns: their columns are asked for
 * (`call(table, name, {action: columns})`) when a query first names them,
 * since the extension may not serve its socket yet when it registers.
 */
const pendingAttach = new Map<string, () => Promise<Table | null>>();

async function attachExtensionTables(names: Iterable<string>): Promise<void> {
  if (pendingAttach.size === 0) return;
  for (const n of names) {
    const lower = n.toLowerCase();
    const attach = pendingAttach.get(lower);
    if (!attach) continue;
    pendingAttach.delete(lower);
    const table = await attach();
    if (table && extensionTables.has(table.name)) {
      extensionTables.set(table.name, table);
      byName = null;
    }
  }
}

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
  for (const t of [...loaded.values(), ...(foreign?.values() ?? []), ...extensionTables.values()]) {
    if (!enabled(t)) continue;
    // Lookups are by lower case; an extension may register a name in any case.
    byName.set(t.name.toLowerCase(), t);
    for (const a of t.aliases) byName.set(a.toLowerCase(), t);
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

/** Whether a table or alias of this name exists, built in or from an extension (osquery refuses a duplicate). */
export async function tableExists(name: string): Promise<boolean> {
  const lower = name.toLowerCase();
  if (BUILTIN_NAMES.has(lower) || [...extensionTables.values()].some((t) => [t.name, ...t.aliases].some((n) => n.toLowerCase() === lower))) return true;
  await loadForeignTables();
  return lookupTable(lower) !== undefined;
}

/** Adds an extension's table; `attach`, when given, supplies its columns the first time a query names it. */
export function registerExtensionTable(table: Table, attach?: () => Promise<Table | null>): void {
  extensionTables.set(table.name, table);
  if (attach) pendingAttach.set(table.name.toLowerCase(), attach);
  byName = null;
}

export function removeExtensionTable(name: string): void {
  extensionTables.delete(name);
  pendingAttach.delete(name.toLowerCase());
  byName = null;
}

/** Called when flags that change the registry (disable_tables, enable_tables) change. */
export function resetRegistry(): void {
  byName = null;
}

provideTableList(async () => {
  await loadTables();
  return allTables().map((t) => ({ name: t.name, utility: t.utility }));
});
