// memory_map: the physical memory map of /proc/iomem (nested entries
// included, unindented). start and end are "0x" plus the kernel's hex digits;
// without root the kernel shows every address as zeros. (osquery's parser,
// linux/memory_map.cpp, cuts `end` one character late and so leaves a
// trailing space on it; osq does not copy that.)
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "memory_map",
  columns: {
    name: "TEXT",
    start: "TEXT",
    end: "TEXT",
  },
  generate() {
    return parseIomem(readText("/proc/iomem") ?? "");
  },
});

export function parseIomem(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    const m = /^([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.+)$/.exec(line);
    if (m) rows.push({ name: m[3], start: `0x${m[1]}`, end: `0x${m[2]}` });
  }
  return rows;
}
