// memory_info: the main /proc/meminfo counters, in bytes (kB × 1024).
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

const FIELDS: Record<string, string> = {
  memory_total: "MemTotal:",
  memory_free: "MemFree:",
  memory_available: "MemAvailable:",
  buffers: "Buffers:",
  cached: "Cached:",
  swap_cached: "SwapCached:",
  active: "Active:",
  inactive: "Inactive:",
  swap_total: "SwapTotal:",
  swap_free: "SwapFree:",
};

export default defineTable({
  name: "memory_info",
  columns: {
    memory_total: "BIGINT",
    memory_free: "BIGINT",
    memory_available: "BIGINT",
    buffers: "BIGINT",
    cached: "BIGINT",
    swap_cached: "BIGINT",
    active: "BIGINT",
    inactive: "BIGINT",
    swap_total: "BIGINT",
    swap_free: "BIGINT",
  },
  generate() {
    const text = readText("/proc/meminfo");
    return [text === null ? {} : parseMeminfo(text)];
  },
});

export function parseMeminfo(text: string): Row {
  const r: Row = {};
  for (const line of osquerySplit(text, "\n")) {
    for (const [column, prefix] of Object.entries(FIELDS)) {
      if (!line.startsWith(prefix)) continue;
      const value = line.split(/[\t ]+/)[1];
      if (value !== undefined && /^-?\d+$/.test(value)) r[column] = BigInt(value) * 1024n;
      break;
    }
  }
  return r;
}
