// ulimit_info: the resource limits of the querying process (osquery calls
// getrlimit(2) on itself; osq reads the same values from /proc/self/limits).
// Rows come in osquery's order (alphabetical by type); RLIM_INFINITY is
// "unlimited". Linux's "realtime timeout" limit is not in osquery's list.
// Known difference: Bun raises its own nofile soft limit to the hard limit
// before any of osq runs and keeps no record of the inherited value, so
// "nofile" shows the raised soft limit; osquery (osquery/core/init.cpp) only
// lifts soft and hard to a floor of 1024.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

/** /proc/self/limits row label → osquery's type name, in osquery's order. */
const LIMITS: ReadonlyArray<readonly [string, string]> = [
  ["as", "Max address space"],
  ["core", "Max core file size"],
  ["cpu", "Max cpu time"],
  ["data", "Max data size"],
  ["fsize", "Max file size"],
  ["locks", "Max file locks"],
  ["memlock", "Max locked memory"],
  ["msgqueue", "Max msgqueue size"],
  ["nice", "Max nice priority"],
  ["nofile", "Max open files"],
  ["nproc", "Max processes"],
  ["rss", "Max resident set"],
  ["rtprio", "Max realtime priority"],
  ["sigpending", "Max pending signals"],
  ["stack", "Max stack size"],
];

export default defineTable({
  name: "ulimit_info",
  columns: {
    type: "TEXT",
    soft_limit: "TEXT",
    hard_limit: "TEXT",
  },
  generate() {
    const text = readText("/proc/self/limits");
    return text === null ? [] : parseLimits(text);
  },
});

export function parseLimits(text: string): Row[] {
  const byLabel = new Map<string, [string, string]>();
  for (const line of text.split("\n")) {
    // Columns are fixed-width: a 26-char label, then soft, hard, units.
    const label = line.slice(0, 26).trim();
    const [soft, hard] = line.slice(26).trim().split(/\s+/);
    if (label && soft !== undefined && hard !== undefined) byLabel.set(label, [soft, hard]);
  }
  const rows: Row[] = [];
  for (const [type, label] of LIMITS) {
    const v = byLabel.get(label);
    if (v) rows.push({ type, soft_limit: v[0], hard_limit: v[1] });
  }
  return rows;
}
