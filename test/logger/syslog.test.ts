// The syslog logger against Debian's rsyslog: the test starts rsyslogd on a
// private config whose only input is a socket in a temporary directory, and
// runs the compiled osqueryd in a private mount namespace where /dev/log (the
// fixed path syslog(3) writes to) leads to that socket. rsyslog parses each
// datagram itself and writes facility, severity, tag and message, so what is
// checked is what a real system logger received.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "../helpers.ts";
import { inMountNamespace, overlay, sh } from "../mount_namespace.ts";
import { tool } from "../tools.ts";
import { statusPriority } from "../../plugins/logger/syslog.ts";

let dir: string;
let rsyslog: Subprocess;
const out = () => join(dir, "received.log");
const socket = () => join(dir, "log.sock");

interface Received {
  facility: number;
  severity: number;
  tag: string;
  message: string;
}

function received(): Received[] {
  if (!existsSync(out())) return [];
  return readFileSync(out(), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [facility, severity, tag, ...rest] = l.split("|");
      // rsyslog keeps the space that follows the tag in the message.
      return { facility: Number(facility), severity: Number(severity), tag: tag!, message: rest.join("|").replace(/^ /, "") };
    });
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; rsyslog received:\n${existsSync(out()) ? readFileSync(out(), "utf8") : "(nothing)"}`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  const rsyslogd = tool("rsyslogd", "rsyslog");
  dir = mkdtempSync(join(tmpdir(), "osq-syslog-"));
  writeFileSync(
    join(dir, "rsyslog.conf"),
    [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      // No system socket, no kernel log: only the test's own socket.
      `module(load="imuxsock" SysSock.Use="off")`,
      `input(type="imuxsock" Socket="${socket()}" RateLimit.Interval="0")`,
      `template(name="osq" type="string" string="%syslogfacility%|%syslogseverity%|%syslogtag%|%msg%\\n")`,
      `*.* action(type="omfile" file="${out()}" template="osq")`,
    ].join("\n") + "\n",
  );
  rsyslog = Bun.spawn([rsyslogd, "-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslogd.pid")], { stdout: "ignore", stderr: "pipe" });
  await waitFor("rsyslogd's socket", () => existsSync(socket()));
});

afterAll(async () => {
  rsyslog?.kill();
  await rsyslog?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs osqueryd for a few seconds with /dev/log leading to rsyslog's socket; returns its stderr. */
function runDaemon(name: string, flags: readonly string[]): string {
  const run = join(dir, name);
  const config = join(dir, `${name}.conf`);
  writeFileSync(config, JSON.stringify({ schedule: { who: { query: "SELECT 'a/b' AS path, 1 AS n", interval: 1 }, bad: { query: "SELECT * FROM no_such_table", interval: 1 } } }));
  const setup = [...overlay("/dev", join(dir, `${name}-dev`)), `ln -s ${sh(socket())} /dev/log`];
  const [stderr] = inMountNamespace(setup, [
    [
      OSQUERYD,
      `--config_path=${config}`,
      `--database_path=${run}.db`,
      `--pidfile=${run}.pid`,
      "--disable_watchdog",
      "--logger_plugin=syslog",
      "--host_identifier=specified",
      "--specified_identifier=syslog-test",
      "--schedule_timeout=3",
      ...flags,
    ]
      .map(sh)
      .join(" ") + " 2>&1",
  ]);
  return stderr ?? "";
}

describe("syslog logger", () => {
  test("results at LOG_INFO behind @cee:, status lines at osquery's severities, the chosen facility, tagged osqueryd[pid]", async () => {
    const stderr = runDaemon("cee", ["--logger_syslog_facility=20", "--logger_syslog_prepend_cee"]);
    const results = await waitFor("a result line", () => received().filter((r) => r.message.startsWith("@cee:")));
    const r = results[0]!;
    expect(r.facility).toBe(20);
    expect(r.severity).toBe(6);
    expect(r.tag).toMatch(/^osqueryd\[\d+\]:$/);
    const line = JSON.parse(r.message.slice("@cee:".length)) as { name: string; hostIdentifier: string; columns: Record<string, string> };
    expect(line.name).toBe("who");
    expect(line.hostIdentifier).toBe("syslog-test");
    expect(line.columns).toEqual({ n: "1", path: "a/b" });

    const init = await waitFor("the INFO status line", () => received().find((m) => m.message.includes("message=osquery initialized")));
    expect(init.severity).toBe(5);
    expect(init.facility).toBe(20);
    expect(init.message).toMatch(/^severity=0 location=[\w.]+:\d+ message=osquery initialized \[version=/);
    const bad = await waitFor(`the failed query's status line (stderr: ${stderr})`, () => received().find((m) => m.message.includes("no_such_table")));
    // The failed query is an ERROR or a WARNING status line in osquery; each has its own syslog severity.
    expect(bad.message).toMatch(/^severity=([12]) location=/);
    expect(bad.severity).toBe(bad.message.startsWith("severity=2") ? 3 : 4);
  });

  test("without --logger_syslog_prepend_cee the line is bare; a facility outside 0-23 falls back to 19 (local3)", async () => {
    const before = received().length;
    runDaemon("plain", ["--logger_syslog_facility=99"]);
    const results = await waitFor("a result line", () => received().slice(before).filter((r) => r.severity === 6));
    expect(results[0]!.facility).toBe(19);
    expect(results[0]!.message.startsWith("{")).toBe(true);
    expect((JSON.parse(results[0]!.message) as { name: string }).name).toBe("who");
  });
});

test("status severities map as osquery maps them: INFO notice, WARNING warning, ERROR err, FATAL crit", () => {
  // <syslog.h>: LOG_CRIT 2, LOG_ERR 3, LOG_WARNING 4, LOG_NOTICE 5.
  expect([0, 1, 2, 3].map(statusPriority)).toEqual([5, 4, 3, 2]);
});
