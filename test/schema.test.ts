// Every registered table's schema equals osquery's (../shared/osquery/tables.json):
// column names in order, types and flags, other-platform columns, table attributes.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtinTables } from "../tables/index.ts";
import { SHARED } from "./helpers.ts";

interface JsonColumn {
  name: string; type: string; required: boolean; index: boolean; hidden: boolean;
  additional: boolean; optimized: boolean; collate?: string; aliases?: string[];
}
interface JsonTable {
  name: string; aliases: string[]; cacheable: boolean; evented: boolean; user_data: boolean; utility: boolean;
  columns: JsonColumn[]; other_platform_columns?: { name: string; type: string }[];
}

const catalogue = new Map(
  (JSON.parse(readFileSync(join(SHARED, "tables.json"), "utf8")) as JsonTable[]).map((t) => [t.name, t]),
);

describe("schemas match osquery", () => {
  test("table names are unique and all known to osquery", () => {
    const names = builtinTables.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !catalogue.has(n))).toEqual([]);
  });

  for (const table of builtinTables) {
    test(table.name, () => {
      const spec = catalogue.get(table.name);
      expect(spec).toBeDefined();
      if (!spec) return;
      const mine = table.columns.filter((c) => !c.platform);
      expect<unknown>(
        mine.map((c) => ({
          name: c.name, type: c.type, required: c.required, index: c.index, hidden: c.hidden,
          additional: c.additional, optimized: c.optimized, collate: c.collate, aliases: c.aliases,
        })),
      ).toEqual(
        spec.columns.map((c) => ({
          name: c.name, type: c.type, required: c.required, index: c.index, hidden: c.hidden,
          additional: c.additional, optimized: c.optimized, collate: c.collate, aliases: c.aliases,
        })),
      );
      expect<unknown>(table.columns.filter((c) => c.platform).map((c) => ({ name: c.name, type: c.type }))).toEqual(
        (spec.other_platform_columns ?? []).map((c) => ({ name: c.name, type: c.type })),
      );
      expect({ aliases: table.aliases, cacheable: table.cacheable, evented: table.evented, userData: table.userData, utility: table.utility }).toEqual({
        aliases: spec.aliases, cacheable: spec.cacheable, evented: spec.evented, userData: spec.user_data, utility: spec.utility,
      });
    });
  }
});
