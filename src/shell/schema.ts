// `.schema`: the CREATE TABLE text osquery prints for a table, with HIDDEN,
// COLLATE and the PRIMARY KEY of index/additional columns.
import type { Table } from "../table.ts";
import { sqlType } from "../sql/materialise.ts";

export function createTableText(t: Table): string {
  const cols: string[] = [];
  const keys: string[] = [];
  for (const c of t.columns) {
    let def = `\`${c.name}\` ${sqlType(c)}`;
    if (c.hidden) def += " HIDDEN";
    if (c.collate) def += ` COLLATE ${c.collate.toUpperCase()}`;
    cols.push(def);
    if (c.index || c.additional) keys.push(`\`${c.name}\``);
  }
  for (const c of t.columns) {
    for (const a of c.aliases ?? []) cols.push(`\`${a}\` ${sqlType(c)} HIDDEN`);
  }
  const body = keys.length > 0 ? `${cols.join(", ")}, PRIMARY KEY (${keys.join(", ")})) WITHOUT ROWID` : `${cols.join(", ")})`;
  return `CREATE TABLE ${t.name}(${body};`;
}
