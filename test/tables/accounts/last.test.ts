import { describe, expect, test } from "bun:test";
import last, { lastRows } from "../../../tables/accounts/last.ts";
import { parseUtmp, WTMP_PATH } from "../../../src/linux/utmp.ts";
import { generate, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";
import { FIXTURE, utmpFile } from "./utmp_fixture.ts";

/** Login (7) and logout (8) records of a wtmp file, as utmpdump prints them. */
function dumpSessions(file: string): { type: number; pid: number; user: string; tty: string; host: string }[] {
  return run(["utmpdump", file]).stdout.split("\n").filter((l) => l.startsWith("[")).map((l) => {
    const f = [...l.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!.trimEnd());
    return { type: Number(f[0]), pid: Number(f[1]), user: f[3]!, tty: f[4]!, host: f[5]! };
  }).filter((r) => r.type === 7 || r.type === 8);
}

describe("last", () => {
  test("fixture wtmp: only user-process and dead-process records, in file order", () => {
    const rows = lastRows(parseUtmp(utmpFile(FIXTURE)));
    const want = FIXTURE.filter((f) => f.type === 7 || f.type === 8);
    expect(rows).toEqual(want.map((f) => ({
      username: f.user,
      tty: f.line,
      pid: f.pid,
      type: f.type,
      type_name: f.type === 7 ? "user-process" : "dead-process",
      time: f.sec,
      host: f.host,
    })));
  });

  test("the live table agrees with utmpdump /var/log/wtmp", async () => {
    const rows = await generate(last);
    expect(rows.map((r) => ({ type: r.type, pid: r.pid, user: r.username, tty: r.tty, host: r.host }))).toEqual(dumpSessions(WTMP_PATH));
  });

  test("e2e: SELECT * FROM last agrees with utmpdump", () => {
    const rows = query("SELECT * FROM last");
    expect(rows.map((r) => ({ type: Number(r.type), pid: Number(r.pid), user: r.username, tty: r.tty, host: r.host }))).toEqual(dumpSessions(WTMP_PATH));
  });
});
