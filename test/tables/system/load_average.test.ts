// load_average: /proc/loadavg read directly, six decimals.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import loadAverage, { parseLoadavg } from "../../../tables/system/load_average.ts";
import { generate, query } from "../../helpers.ts";

const fields = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map((v) => Number(v).toFixed(6));

describe("load_average", () => {
  test("live: the three periods as /proc/loadavg shows them", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = fields();
      const rows = await generate(loadAverage);
      if (before.join() !== fields().join()) continue; // the kernel updated in between
      expect(rows).toEqual([
        { period: "1m", average: before[0] },
        { period: "5m", average: before[1] },
        { period: "15m", average: before[2] },
      ]);
      return;
    }
  });

  test("fixture", () => {
    expect(parseLoadavg("0.15 1.00 12.50 2/345 6789\n").map((r) => r.average)).toEqual(["0.150000", "1.000000", "12.500000"]);
  });

  test("unreadable averages still give three rows, all NULL, as osquery's pre-sized result does", () => {
    expect(parseLoadavg("")).toEqual([{}, {}, {}]);
    expect(parseLoadavg("x y\n")).toEqual([{}, {}, {}]);
  });

  test("end to end", () => {
    expect(query("SELECT period FROM load_average").map((r) => r.period)).toEqual(["1m", "5m", "15m"]);
  });
});
