// process_memory_map: the mappings of each process, from /proc/<pid>/maps
// ("start-end perms offset dev inode [path]").
import { defineTable, type Row } from "../../src/table.ts";
import { readProcFile } from "../../src/linux/proc.ts";
import { pidsFromContext } from "../../src/linux/process_list.ts";

export interface MapEntry {
  start: string;
  end: string;
  permissions: string;
  offset: number | bigint;
  device: string;
  inode: string;
  path: string;
  pseudo: number;
}

/**
 * Parses maps text as osquery does: fields split on spaces, so `path` is the
 * first word of the pathname (a " (deleted)" suffix or a name with spaces is
 * cut there); `pseudo` is 1 for a named mapping with no inode ([heap], [stack]...).
 */
export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ").filter((x) => x.length > 0);
    if (f.length < 5) continue;
    const range = (f[0] ?? "").split("-").filter((x) => x.length > 0);
    if (range.length < 2) continue;
    const hex = f[2] ?? "";
    // Offsets can exceed 2^53 (e.g. device mappings); keep them exact.
    const offset = /^[0-9a-fA-F]+$/.test(hex) ? bigOrNumber(BigInt(`0x${hex}`)) : -1;
    const path = (f[5] ?? "").trim();
    out.push({
      start: `0x${range[0]}`,
      end: `0x${range[1]}`,
      permissions: f[1] ?? "",
      offset,
      device: f[3] ?? "",
      inode: f[4] ?? "",
      path,
      pseudo: f[4] === "0" && path !== "" ? 1 : 0,
    });
  }
  return out;
}

function bigOrNumber(v: bigint): number | bigint {
  // osquery parses into a signed 64-bit long long; larger values fail and give -1.
  if (v > 0x7fffffffffffffffn) return -1;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export default defineTable({
  name: "process_memory_map",
  columns: {
    pid: "INTEGER index optimized",
    start: "TEXT",
    end: "TEXT",
    permissions: "TEXT",
    offset: "BIGINT",
    device: "TEXT",
    inode: "INTEGER",
    path: "TEXT",
    pseudo: "INTEGER",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const pid of pidsFromContext(ctx)) {
      const text = readProcFile(pid, "maps");
      if (text === null) continue;
      for (const m of parseMaps(text)) rows.push({ pid, ...m });
    }
    return rows;
  },
});
