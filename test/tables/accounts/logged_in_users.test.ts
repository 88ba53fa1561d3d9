import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loggedInRows } from "../../../tables/accounts/logged_in_users.ts";
import { parseUtmp } from "../../../src/linux/utmp.ts";
import { OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";
import { tool } from "../../tools.ts";
import { run } from "./fixtures.ts";
import { FIXTURE, utmpFile } from "./utmp_fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-liu-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** osquery's names for ut_type (glibc <utmp.h> values). */
const TYPES: Record<string, string> = { "0": "empty", "1": "runlevel", "2": "boot_time", "3": "new_time", "4": "old_time", "5": "init", "6": "login", "7": "user", "8": "dead", "9": "accounting" };

/** utmpdump's bracketed, space-padded fields: type, pid, id, user, line, host, address, ISO time. */
function parseUtmpdump(text: string): { type: string; pid: string; user: string; line: string; host: string; time: string }[] {
  return text.split("\n").filter((l) => l.startsWith("[")).map((l) => {
    const f = [...l.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!.trimEnd());
    const iso = f[7]!.replace(/,(\d{3})\d*/, ".$1");
    return { type: f[0]!, pid: String(Number(f[1])), user: f[3]!, line: f[4]!, host: f[5]!, time: String(Math.floor(Date.parse(iso) / 1000)) };
  });
}

/** `who FILE` lists the USER_PROCESS records: user, line, then date and (host). */
function who(file?: string): { user: string; tty: string; host: string }[] {
  return parseWho(run(file ? ["who", file] : ["who"]).stdout);
}

function parseWho(text: string): { user: string; tty: string; host: string }[] {
  return text.split("\n").filter(Boolean).map((l) => {
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

  test("e2e: with the fixture at /var/run/utmp the binary reports what utmpdump and who read there", () => {
    const file = join(dir, "utmp-live");
    writeFileSync(file, utmpFile(FIXTURE));
    // /var/run/utmp is the fixture only inside a private mount namespace.
    const [dump, whoOut, json] = inMountNamespace(
      ["mount -t tmpfs osq-utmp /run", `cp ${sh(file)} /run/utmp`],
      [`${sh(tool("utmpdump", "util-linux"))} /var/run/utmp 2>/dev/null`, "who /var/run/utmp", `${sh(OSQUERYI)} --json 'SELECT type, user, tty, host, time, pid FROM logged_in_users'`],
    );
    const want = parseUtmpdump(dump ?? "")
      .filter((r) => r.pid !== "1")
      .map((r) => ({ type: TYPES[r.type] ?? "unknown", user: r.user, tty: r.line, host: r.host, time: r.time, pid: r.pid }));
    expect(want.length).toBe(FIXTURE.length - 1);
    const got = JSON.parse(json ?? "") as Record<string, string>[];
    expect(got).toEqual(want);
    expect(got.filter((r) => r.type === "user").map((r) => r.tty)).toEqual(parseWho(whoOut ?? "").map((w) => w.tty));
  });

  test("e2e: user rows match who", () => {
    const rows = query("SELECT user, tty, host, time, pid, type FROM logged_in_users WHERE type = 'user'");
    expect(rows.map((r) => r.tty)).toEqual(who().map((w) => w.tty));
  });
});
