// time: the row against date(1), and the formatting on a fixed instant.
import { describe, expect, test } from "bun:test";
import time, { asctime, timeRow } from "../../../tables/system/time.ts";
import { OSQUERYI, generate, query } from "../../helpers.ts";

function date(args: string[], env: Record<string, string> = {}): string {
  return Bun.spawnSync(["date", ...args], { env: { ...process.env, ...env } }).stdout.toString().trim();
}

describe("time", () => {
  test("fixed instant: every field", () => {
    // 2011-09-01T10:27:52Z was a Thursday
    expect(timeRow(1314872872, "CEST")).toEqual({
      weekday: "Thursday", year: 2011, month: 9, day: 1, hour: 10, minutes: 27, seconds: 52,
      timezone: "UTC", local_timezone: "CEST", unix_time: 1314872872,
      timestamp: "Thu Sep  1 10:27:52 2011 UTC", datetime: "2011-09-01T10:27:52Z", iso_8601: "2011-09-01T10:27:52Z",
    });
    expect(timeRow(0, "").local_timezone).toBe("UTC");
  });

  test("the current row agrees with date -u for the same second", async () => {
    const [row] = await generate(time);
    const t = Number(row!.unix_time);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(3);
    expect(String(row!.timestamp)).toBe(`${date(["-u", "-d", `@${t}`, "+%a %b %e %H:%M:%S %Y"])} UTC`);
    expect(row!.datetime).toBe(date(["-u", "-d", `@${t}`, "+%Y-%m-%dT%H:%M:%SZ"]));
    expect(row!.weekday).toBe(date(["-u", "-d", `@${t}`, "+%A"]));
    const zone = date(["+%Z"]);
    expect(row!.local_timezone).toBe(zone.length <= 7 && zone ? zone : "UTC");
    expect(asctime(new Date(t * 1000))).toBe(date(["-u", "-d", `@${t}`, "+%a %b %e %H:%M:%S %Y"]));
  });

  test("end to end, with TZ honoured for local_timezone", () => {
    const r = Bun.spawnSync([OSQUERYI, "--json", "SELECT local_timezone, timezone, unix_time, date_time FROM time"], {
      env: { ...process.env, TZ: "Europe/Berlin" },
    });
    const [row] = JSON.parse(r.stdout.toString()) as Record<string, string>[];
    const t = Number(row!.unix_time);
    expect(row!.local_timezone).toBe(date(["-d", `@${t}`, "+%Z"], { TZ: "Europe/Berlin" }));
    expect(row!.timezone).toBe("UTC");
    expect(row!.date_time).toBe(date(["-u", "-d", `@${t}`, "+%Y-%m-%dT%H:%M:%SZ"]));
    expect(query("SELECT count(*) AS n FROM time")).toEqual([{ n: "1" }]);
  });

  test("abbreviations up to 7 characters fit osquery's buffer; longer ones fall back to UTC (vs date +%Z)", () => {
    for (const [tz, fits] of [["ABCDEF+3", true], ["<ABCDEFG>-2", true], ["<ABCDEFGH>-2", false]] as const) {
      const r = Bun.spawnSync([OSQUERYI, "--json", "SELECT local_timezone, unix_time FROM time"], { env: { ...process.env, TZ: tz } });
      const [row] = JSON.parse(r.stdout.toString()) as Record<string, string>[];
      const zone = date(["-d", `@${row!.unix_time}`, "+%Z"], { TZ: tz });
      expect(zone.length <= 7).toBe(fits);
      expect({ tz, local_timezone: row!.local_timezone }).toEqual({ tz, local_timezone: fits ? zone : "UTC" });
    }
  });
});
