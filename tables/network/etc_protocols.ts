// etc_protocols: the IP protocol names of /etc/protocols ("name number
// [alias...] [# comment]"). osquery keeps only the first alias.
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export function parseProtocols(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    if (line.length === 0 || line.startsWith("#")) continue;
    const parts = osquerySplit(line, "#");
    const fields = osquerySplit(parts[0] ?? "");
    if (fields.length < 2) continue;
    const row: Row = { name: fields[0], number: fields[1] };
    if (fields.length > 2) row.alias = fields[2];
    if (parts.length > 1) row.comment = parts.slice(1).join(" # ");
    rows.push(row);
  }
  return rows;
}

export default defineTable({
  name: "etc_protocols",
  cacheable: true,
  columns: {
    name: "TEXT",
    number: "INTEGER",
    alias: "TEXT",
    comment: "TEXT",
  },
  generate() {
    return parseProtocols(readText("/etc/protocols") ?? "");
  },
});
