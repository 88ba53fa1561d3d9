// The names of the registered tables, as osquery_registry lists them. The
// table registry (src/registry.ts) provides the lister when it loads; a table
// module reads it from here instead of importing the registry, which inlines
// every table module's names at build time and so must not be imported back.

/** Every registered table's name (loading the built-in modules if needed). */
export type TableLister = () => Promise<string[]>;

let lister: TableLister = async () => [];

export function provideTableList(l: TableLister): void {
  lister = l;
}

/** The registered tables; empty until the registry has loaded. */
export function registeredTableNames(): Promise<string[]> {
  return lister();
}
