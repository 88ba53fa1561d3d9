// Prints the schema block of an osquery table from ../shared/osquery/tables.json,
// in osq's column form, to start a table file: `bun scripts/scaffold-table.ts NAME`.
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface JsonColumn {
  name: string; type: string; required: boolean; index: boolean; hidden: boolean;
  additional: boolean; optimized: boolean; collate?: string; aliases?: string[];
}
interface JsonTable {
  name: string; aliases: string[]; cacheable: boolean; evented: boolean; user_data: boolean;
  utility: boolean; columns: JsonColumn[]; other_platform_columns?: { name: string; type: string }[];
}

const catalogue = JSON.parse(readFileSync(join(import.meta.dir, "../../shared/osquery/tables.json"), "utf8")) as JsonTable[];
for (const name of process.argv.slice(2)) {
  const t = catalogue.find((x) => x.name === name);
  if (!t) { console.error(`no table ${name}`); process.exit(1); }
  const lines = t.columns.map((c) => {
    const words: string[] = [c.type];
    for (const f of ["required", "index", "hidden", "additional", "optimized"] as const) if (c[f]) words.push(f);
    if (c.collate) words.push(`collate=${c.collate}`);
    if (c.aliases?.length) words.push(`aliases=${c.aliases.join(",")}`);
    return `    ${c.name}: "${words.join(" ")}",`;
  });
  for (const c of t.other_platform_columns ?? []) lines.push(`    ${c.name}: "${c.type} platform",`);
  const attrs = [
    t.aliases.length ? `  aliases: ${JSON.stringify(t.aliases)},` : "",
    t.cacheable ? "  cacheable: true," : "",
    t.evented ? "  evented: true," : "",
    t.user_data ? "  userData: true," : "",
    t.utility ? "  utility: true," : "",
  ].filter(Boolean);
  console.log(`export default defineTable({\n  name: "${t.name}",\n${attrs.map((a) => a + "\n").join("")}  columns: {\n${lines.join("\n")}\n  },\n  generate(ctx) {\n    return [];\n  },\n});`);
}
