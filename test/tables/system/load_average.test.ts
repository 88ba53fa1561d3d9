// load_average: /proc/loadavg read directly, six decimals.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import loadAverage, { parseLoadavg } from "../../../tables/system/load_average.ts";
import { generate, query } from "../../helpers.ts";

const fields = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map((v) => Number(v).toFixed(6));

/**
 * Runs `read` between two looks at /proc/loadavg and returns both once the
 * kernel did not update it in between (it does every 5 s); ten tries in a
 * row that all straddle an update mean the comparison never happened.
 */
async function bracketed<T>(read: () => T | Promise<T>): Promise<[string[], T]> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = fields();
    const got = await read();
    if (before.join() === fields().join()) return [before, got];
  }
  throw new Error("/proc/loadavg changed during each of ten reads: nothing was compared");
}

const periods = (v: string[]): Record<string, string>[] => [
  { period: "1m", average: v[0] ?? "" },
  { period: "5m", average: v[1] ?? "" },
  { period: "15m", average: v[2] ?? "" },
];

describe("load_average", () => {
  test("live: the three periods as /proc/loadavg shows them", async () => {
    const [want, rows] = await bracketed(() => generate(loadAverage));
    expect(rows as Record<string, unknown>[]).toEqual(periods(want));
  });

  test("fixture", () => {
    expect(parseLoadavg("0.15 1.00 12.50 2/345 6789\n").map((r) => r.average)).toEqual(["0.150000", "1.000000", "12.500000"]);
  });

  test("unreadable averages still give three rows, all NULL, as osquery's pre-sized result does", () => {
    expect(parseLoadavg("")).toEqual([{}, {}, {}]);
    expect(parseLoadavg("x y\n")).toEqual([{}, {}, {}]);
  });

  test("end to end: the binary's values are /proc/loadavg's", async () => {
    const [want, rows] = await bracketed(() => query("SELECT period, average FROM load_average"));
    expect(rows).toEqual(periods(want));
  });
});
