// memory_info: /proc/meminfo read by awk, in bytes.
import { describe, expect, test } from "bun:test";
import memoryInfo, { parseMeminfo } from "../../../tables/system/memory_info.ts";
import { generate, query } from "../../helpers.ts";

const awk = (key: string) => Bun.spawnSync(["awk", `$1 == "${key}:" {printf \"%.0f\\n\", $2 * 1024}`, "/proc/meminfo"]).stdout.toString().trim();

describe("memory_info", () => {
  test("live: fixed totals exact, moving counters present", async () => {
    const [row] = await generate(memoryInfo);
    expect(String(row!.memory_total)).toBe(awk("MemTotal"));
    expect(String(row!.swap_total)).toBe(awk("SwapTotal"));
    for (const c of ["memory_free", "memory_available", "buffers", "cached", "swap_cached", "active", "inactive", "swap_free"]) {
      expect(typeof row![c]).toBe("bigint");
    }
    expect(Number(row!.memory_free)).toBeLessThanOrEqual(Number(row!.memory_total));
  });

  test("fixture: only the exact keys, kB × 1024", () => {
    const text = "MemTotal:       16 kB\nActive(anon):    9 kB\nActive:          2 kB\nSwapFree:        0 kB\n";
    expect(parseMeminfo(text)).toEqual({ memory_total: 16384n, active: 2048n, swap_free: 0n });
  });

  test("end to end", () => {
    expect(query("SELECT memory_total FROM memory_info")).toEqual([{ memory_total: awk("MemTotal") }]);
  });
});
