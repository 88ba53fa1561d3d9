// cpu_time: the cpuN lines of /proc/stat read by awk; ticks only grow.
import { describe, expect, test } from "bun:test";
import cpuTime, { parseCpuTime } from "../../../tables/system/cpu_time.ts";
import { generate, query } from "../../helpers.ts";

function awkCpus(): string[][] {
  return Bun.spawnSync(["awk", "/^cpu[0-9]/ {sub(/^cpu/, \"\", $1); print}", "/proc/stat"]).stdout.toString().split("\n").filter(Boolean).map((l) => l.split(" "));
}

describe("cpu_time", () => {
  test("live: one row per core, counters between two awk reads", async () => {
    const before = awkCpus();
    const rows = await generate(cpuTime);
    const after = awkCpus();
    expect(rows.map((r) => String(r.core))).toEqual(before.map((f) => f[0]!));
    const cols = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"];
    rows.forEach((r, i) => {
      cols.forEach((c, j) => {
        expect(Number(r[c])).toBeGreaterThanOrEqual(Number(before[i]![j + 1] ?? 0));
        expect(Number(r[c])).toBeLessThanOrEqual(Number(after[i]![j + 1] ?? 0));
      });
    });
  });

  test("fixture: aggregate line dropped, short lines padded with 0", () => {
    const text = "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7\ncpu1 1 2 3 4 5 6 7 8 9 10\nintr 5\n";
    const rows = parseCpuTime(text);
    expect(rows.map((r) => r.core)).toEqual(["0", "1"]);
    expect(rows[0]).toMatchObject({ softirq: "7", steal: "0", guest: "0", guest_nice: "0" });
    expect(rows[1]).toMatchObject({ steal: "8", guest: "9", guest_nice: "10" });
  });

  test("end to end", () => {
    expect(query("SELECT core FROM cpu_time").map((r) => r.core)).toEqual(awkCpus().map((f) => f[0]!));
  });
});
