// time: the current time, one row. As osquery, every calendar field is UTC
// (timezone is always "UTC"); local_timezone is libc's abbreviation of the
// local zone, limited to 7 characters as osquery's buffer is, "UTC" when
// empty. timestamp is asctime(3) of UTC plus " UTC"; datetime and iso_8601
// are "YYYY-MM-DDTHH:MM:SSZ".
import { localZoneAbbreviation } from "../../src/linux/localtime.ts";
import { defineTable, type Row } from "../../src/table.ts";

/** strftime's buffer for %Z in osquery, terminating NUL included. */
const ZONE_BUFFER = 8;

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export default defineTable({
  name: "time",
  utility: true,
  columns: {
    weekday: "TEXT",
    year: "INTEGER",
    month: "INTEGER",
    day: "INTEGER",
    hour: "INTEGER",
    minutes: "INTEGER",
    seconds: "INTEGER",
    timezone: "TEXT",
    local_timezone: "TEXT",
    unix_time: "INTEGER",
    timestamp: "TEXT",
    datetime: "TEXT aliases=date_time",
    iso_8601: "TEXT",
    win_timestamp: "BIGINT platform",
  },
  generate() {
    const now = Math.floor(Date.now() / 1000);
    return [timeRow(now, localTimezone(now))];
  },
});

/** The row for `unixSeconds` (pure, for tests). */
export function timeRow(unixSeconds: number, localTz: string): Row {
  const d = new Date(unixSeconds * 1000);
  const iso = `${d.toISOString().slice(0, 19)}Z`;
  return {
    weekday: DAYS[d.getUTCDay()],
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
    timezone: "UTC",
    local_timezone: localTz || "UTC",
    unix_time: unixSeconds,
    timestamp: `${asctime(d)} UTC`,
    datetime: iso,
    iso_8601: iso,
  };
}

/** asctime(3) without its newline: "Wed Sep  1 10:27:52 2011". */
export function asctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]!.slice(0, 3)} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function localTimezone(now: number): string {
  // osquery formats into an 8-byte buffer (osquery/tables/utility/time.cpp): a
  // longer abbreviation comes out empty.
  const z = localZoneAbbreviation(now, ZONE_BUFFER);
  if (z !== null) return z;
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(new Date(now * 1000));
  const name = part.find((p) => p.type === "timeZoneName")?.value ?? "";
  return name.length < ZONE_BUFFER ? name : "";
}
