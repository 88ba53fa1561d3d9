// The names of the registered tables, as osquery_registry lists them. The
// table registry (src/registry.ts) provides the lister when it loads; a table
// module reads it from here instead of importing the registry, which inlines
// every table module's names at build time and so must not be imported back.

/** A registered table as the registry lists it; utility tables are osquery's internal plugins. */
export interface ListedTable {
  readonly name: string;
  readonly utility: boolean;
}

/** Every registered table (loading the built-in modules if needed). */
export type TableLister = () => Promise<ListedTable[]>;

let lister: TableLister = async () => [];

export function provideTableList(l: TableLister): void {
  lister = l;
}

/** The registered tables; empty until the registry has loaded. */
export function registeredTables(): Promise<ListedTable[]> {
  return lister();
}
