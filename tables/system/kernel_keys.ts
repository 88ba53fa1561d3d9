// kernel_keys: the keys and keyrings of /proc/keys visible to the caller.
// As osquery: a line must split into exactly ten space-separated words (so a
// description containing spaces is skipped), and description is the ninth
// and tenth words joined ("_ses:" + "1" → "_ses:1").
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "kernel_keys",
  columns: {
    serial_number: "TEXT",
    flags: "TEXT",
    usage: "BIGINT",
    timeout: "TEXT",
    permissions: "TEXT",
    uid: "BIGINT",
    gid: "BIGINT",
    type: "TEXT",
    description: "TEXT",
  },
  generate() {
    const text = readText("/proc/keys");
    return text === null ? [] : parseKeys(text);
  },
});

export function parseKeys(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    const d = osquerySplit(line, " ");
    if (d.length !== 10) continue;
    rows.push({
      serial_number: d[0],
      flags: d[1],
      usage: d[2],
      timeout: d[3],
      permissions: d[4],
      uid: d[5],
      gid: d[6],
      type: d[7],
      description: `${d[8]}${d[9]}`,
    });
  }
  return rows;
}
