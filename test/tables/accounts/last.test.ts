import { describe, expect, test } from "bun:test";
import last, { lastRows } from "../../../tables/accounts/last.ts";
import { parseUtmp } from "../../../src/linux/utmp.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { tool } from "../../tools.ts";
import { run } from "./fixtures.ts";
import { FIXTURE, utmpFile } from "./utmp_fixture.ts";

/** Where osquery reads the login history. */
const WTMP_PATH = "/var/log/wtmp";

/** Login (7) and logout (8) records of a wtmp file, as utmpdump prints them. */
function dumpSessions(file: string): { type: number; pid: number; user: string; tty: string; host: string }[] {
  return run([tool("utmpdump", "util-linux"), file]).stdout.split("\n").filter((l) => l.startsWith("[")).map((l) => {
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

  test("e2e: the fixture as /var/log/wtmp (private mount namespace) reads back as utmpdump sees it", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-wtmp-"));
    try {
      writeFileSync(join(dir, "wtmp"), utmpFile(FIXTURE));
      const want = dumpSessions(join(dir, "wtmp"));
      expect(want.length).toBe(3);
      const [out] = inMountNamespace([...overlay("/var/log", join(dir, "overlay")), `cp ${sh(join(dir, "wtmp"))} ${WTMP_PATH}`], [`${sh(OSQUERYI)} --json 'SELECT * FROM last'`]);
      const rows = JSON.parse(out ?? "") as Record<string, string>[];
      expect(rows.map((r) => ({ type: Number(r.type), pid: Number(r.pid), user: r.username, tty: r.tty, host: r.host }))).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
