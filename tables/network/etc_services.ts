// etc_services: the service names of /etc/services ("name port/protocol
// [aliases...] [# comment]"). Several '#' pieces of a comment are joined
// with " # ", as osquery does.
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export function parseServices(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    if (line.length === 0 || line.startsWith("#")) continue;
    const parts = osquerySplit(line, "#");
    const info = osquerySplit(parts[0] ?? "");
    if (info.length < 2) continue;
    const portProto = osquerySplit(info[1] ?? "", "/");
    if (portProto.length !== 2) continue;
    const row: Row = {
      name: info[0],
      port: portProto[0],
      protocol: portProto[1],
      aliases: info.slice(2).join(" "),
    };
    if (parts.length > 1) row.comment = parts.slice(1).join(" # ");
    rows.push(row);
  }
  return rows;
}

export default defineTable({
  name: "etc_services",
  cacheable: true,
  columns: {
    name: "TEXT",
    port: "INTEGER",
    protocol: "TEXT",
    aliases: "TEXT",
    comment: "TEXT",
  },
  generate() {
    return parseServices(readText("/etc/services") ?? "");
  },
});
