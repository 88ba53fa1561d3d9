// load_average: the 1, 5 and 15 minute load averages (getloadavg(3), which
// reads /proc/loadavg), printed as C++'s std::to_string does: six decimals.
// When the averages cannot be read there are still three rows, all NULL:
// load_average.cpp sizes its result to three rows before asking.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "load_average",
  columns: {
    period: "TEXT",
    average: "TEXT",
  },
  generate() {
    const text = readText("/proc/loadavg");
    return text === null ? [{}, {}, {}] : parseLoadavg(text);
  },
});

export function parseLoadavg(text: string): Row[] {
  const values = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (values.length < 3 || values.some((v) => !Number.isFinite(v))) return [{}, {}, {}];
  return ["1m", "5m", "15m"].map((period, i) => ({ period, average: (values[i] as number).toFixed(6) }));
}
