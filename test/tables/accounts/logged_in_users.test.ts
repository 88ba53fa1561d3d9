import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import loggedInUsers, { loggedInRows } from "../../../tables/accounts/logged_in_users.ts";
import { parseUtmp, readUtmp, UTMP_PATH } from "../../../src/linux/utmp.ts";
import { generate, query } from "../../helpers.ts";
import { run } from "./fixtures.ts";
import { FIXTURE, utmpFile } from "./utmp_fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-liu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `who FILE` lists the USER_PROCESS records: user, line, then date and (host). */
function who(file?: string): { user: string; tty: string; host: string }[] {
  return run(file ? ["who", file] : ["who"]).stdout.split("\n").filter(Boolean).map((l) => {
    const [user, tty] = l.split(/\s+/);
    const host = /\(([^)]*)\)\s*$/.exec(l)?.[1] ?? "";
    return { user: user!, tty: tty!, host };
  });
}

describe("logged_in_users", () => {
  test("fixture records: osquery's type names, init (pid 1) left out", () => {
    const rows = loggedInRows(parseUtmp(utmpFile(FIXTURE)));
    const kept = FIXTURE.filter((f) => f.pid !== 1);
    expect(rows).toHaveLength(kept.length);
    expect(rows.map((r) => r.type)).toEqual(["boot_time", "runlevel", "login", "user", "user", "dead"]);
    rows.forEach((r, i) => {
      expect([r.user, r.tty, r.host, r.time, r.pid]).toEqual([kept[i]!.user, kept[i]!.line, kept[i]!.host, kept[i]!.sec, kept[i]!.pid]);
    });
    expect(loggedInRows(parseUtmp(utmpFile([{ ...FIXTURE[0]!, type: 42 }])))[0]!.type).toBe("unknown");
  });

  test("user sessions agree with who(1) on the fixture file", () => {
    const file = join(dir, "utmp");
    writeFileSync(file, utmpFile(FIXTURE));
    const users = loggedInRows(parseUtmp(utmpFile(FIXTURE))).filter((r) => r.type === "user");
    expect(users.map((r) => ({ user: r.user, tty: r.tty, host: r.host }))).toEqual(
      who(file),
    );
  });

  test("the live table matches /var/run/utmp and who", async () => {
    const rows = await generate(loggedInUsers);
    expect(rows).toEqual(loggedInRows(readUtmp(UTMP_PATH)));
    expect(rows.filter((r) => r.type === "user").map((r) => r.tty)).toEqual(who().map((w) => w.tty));
  });

  test("e2e: user rows match who", () => {
    const rows = query("SELECT user, tty, host, time, pid, type FROM logged_in_users WHERE type = 'user'");
    expect(rows.map((r) => r.tty)).toEqual(who().map((w) => w.tty));
  });
});
