// uptime: time since boot, as sysinfo(2) reports it (whole seconds, rounded
// up), split into days, hours, minutes and seconds.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "uptime",
  columns: {
    days: "INTEGER",
    hours: "INTEGER",
    minutes: "INTEGER",
    seconds: "INTEGER",
    total_seconds: "BIGINT",
  },
  generate() {
    const text = readText("/proc/uptime");
    if (text === null) return [];
    const up = Number.parseFloat(text);
    return Number.isFinite(up) && up >= 0 ? [uptimeRow(Math.ceil(up))] : [];
  },
});

export function uptimeRow(total: number): Row {
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor(total / 3600) % 24,
    minutes: Math.floor(total / 60) % 60,
    seconds: total % 60,
    total_seconds: total,
  };
}
