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

  test("local_timezone keeps abbreviations of up to 7 characters (osquery's 8-byte buffer)", () => {
    const zoneOf = (tz: string) => {
      const r = Bun.spawnSync([OSQUERYI, "--json", "SELECT local_timezone FROM time"], { env: { ...process.env, TZ: tz } });
      return (JSON.parse(r.stdout.toString()) as Record<string, string>[])[0]!.local_timezone;
    };
    // POSIX TZ strings name their own abbreviation; date(1) confirms libc reads it so.
    expect(date(["+%Z"], { TZ: "ABCDEFG+3" })).toBe("ABCDEFG");
    expect(zoneOf("ABCDEFG+3")).toBe("ABCDEFG");
    expect(zoneOf("ABCDE+3")).toBe("ABCDE");
    expect(date(["+%Z"], { TZ: "ABCDEFGH+3" })).toBe("ABCDEFGH");
    expect(zoneOf("ABCDEFGH+3")).toBe("UTC");
  });
});
