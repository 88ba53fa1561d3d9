// cpu_time: per-core CPU time from the "cpuN" lines of /proc/stat, in clock
// ticks (USER_HZ) exactly as the kernel prints them; the aggregate "cpu" line
// is left out, and fields an old kernel lacks (steal, guest, guest_nice) are 0.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "cpu_time",
  columns: {
    core: "INTEGER",
    user: "BIGINT",
    nice: "BIGINT",
    system: "BIGINT",
    idle: "BIGINT",
    iowait: "BIGINT",
    irq: "BIGINT",
    softirq: "BIGINT",
    steal: "BIGINT",
    guest: "BIGINT",
    guest_nice: "BIGINT",
  },
  generate() {
    return parseCpuTime(readText("/proc/stat") ?? "");
  },
});

export function parseCpuTime(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of osquerySplit(text, "\n")) {
    if (!line.startsWith("cpu") || line.startsWith("cpu ")) continue;
    const w = osquerySplit(line, " ");
    if (w.length < 8 || (w[0] as string).length <= 3) continue;
    rows.push({
      core: (w[0] as string).slice(3),
      user: w[1],
      nice: w[2],
      system: w[3],
      idle: w[4],
      iowait: w[5],
      irq: w[6],
      softirq: w[7],
      steal: w[8] ?? "0",
      guest: w[9] ?? "0",
      guest_nice: w[10] ?? "0",
    });
  }
  return rows;
}
