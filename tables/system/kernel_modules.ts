// kernel_modules: the loaded modules of /proc/modules. As osquery: used_by
// keeps the kernel's comma list without its trailing comma ("-" when unused),
// status is Live/Loading/Unloading, address the load address in hex (all
// zeros unless the reader is privileged), size in bytes.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "kernel_modules",
  columns: {
    name: "TEXT",
    size: "BIGINT",
    used_by: "TEXT",
    status: "TEXT",
    address: "TEXT",
  },
  generate() {
    const text = readText("/proc/modules");
    return text === null ? [] : parseModules(text);
  },
});

export function parseModules(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    const d = osquerySplit(line, " ").map((w) => (w.endsWith(",") ? w.slice(0, -1) : w));
    if (d.length < 6) continue;
    rows.push({ name: d[0], size: d[1], used_by: d[3], status: d[4], address: d[5] });
  }
  return rows;
}
