// process_envs: the environment each process started with, from
// /proc/<pid>/environ (NUL-separated KEY=VALUE entries). Reading another
// user's environ needs privileges over that process; such pids give no rows.
import { defineTable, type Row } from "../../src/table.ts";
import { readProcFile } from "../../src/linux/proc.ts";
import { pidsFromContext } from "../../src/linux/process_list.ts";

/**
 * Splits environ text into [key, value] pairs the way osquery walks it: it
 * stops at the first empty entry (the end) or at an entry whose first byte is
 * not ASCII (osquery tests `*p > 0` on a signed char). An entry without '='
 * gives the whole entry as both key and value.
 */
export function parseEnviron(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of text.split("\0")) {
    if (entry.length === 0 || entry.charCodeAt(0) > 0x7f) break;
    const eq = entry.indexOf("=");
    out.push(eq < 0 ? [entry, entry] : [entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  return out;
}

export default defineTable({
  name: "process_envs",
  columns: {
    pid: "INTEGER index optimized",
    key: "TEXT",
    value: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const pid of pidsFromContext(ctx)) {
      const text = readProcFile(pid, "environ");
      if (text === null) continue;
      for (const [key, value] of parseEnviron(text)) rows.push({ pid, key, value });
    }
    return rows;
  },
});
