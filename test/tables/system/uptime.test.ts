// uptime: against /proc/uptime read by awk (sysinfo rounds up, so allow a second or two).
import { describe, expect, test } from "bun:test";
import uptime, { uptimeRow } from "../../../tables/system/uptime.ts";
import { generate, query } from "../../helpers.ts";

const awkUptime = () => Number(Bun.spawnSync(["awk", "{print int($1)}", "/proc/uptime"]).stdout.toString());

describe("uptime", () => {
  test("live total_seconds agrees with /proc/uptime", async () => {
    const before = awkUptime();
    const [row] = await generate(uptime);
    const total = Number(row!.total_seconds);
    expect(total).toBeGreaterThanOrEqual(before);
    expect(total).toBeLessThanOrEqual(awkUptime() + 2);
    expect(Number(row!.days) * 86400 + Number(row!.hours) * 3600 + Number(row!.minutes) * 60 + Number(row!.seconds)).toBe(total);
  });

  test("split into days/hours/minutes/seconds", () => {
    expect(uptimeRow(2 * 86400 + 5 * 3600 + 7 * 60 + 9)).toEqual({ days: 2, hours: 5, minutes: 7, seconds: 9, total_seconds: 191229 });
  });

  test("end to end", () => {
    const before = awkUptime();
    const total = Number(query("SELECT total_seconds FROM uptime")[0]!.total_seconds);
    expect(total).toBeGreaterThanOrEqual(before);
    expect(total).toBeLessThanOrEqual(awkUptime() + 2);
  });
});
