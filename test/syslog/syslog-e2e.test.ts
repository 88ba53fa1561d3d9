// syslog_events end to end: the compiled osqueryd creates its pipe
// (--enable_syslog --syslog_pipe_path in a temp dir), Debian's rsyslogd runs
// on a private config (its own unix socket, osquery's CSV template, an ompipe
// action into osq's pipe), and `logger -u <socket>` sends messages through it.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "../helpers.ts";
import { tool } from "../tools.ts";

interface ResultLine {
  name: string;
  action?: string;
  columns?: Record<string, string>;
}

let dir = "";
let procs: Subprocess[] = [];

afterEach(async () => {
  for (const p of procs.reverse()) {
    p.kill("SIGTERM");
    await p.exited;
  }
  procs = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// osquery's documented rsyslog template.
const TEMPLATE = "%timegenerated:::date-rfc3339,csv%,%hostname:::csv%,%syslogseverity:::csv%,%syslogfacility-text:::csv%,%syslogtag:::csv%,%msg:::csv%\\n";

function results(): ResultLine[] {
  const p = join(dir, "logs", "osqueryd.results.log");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ResultLine);
}

function fileText(name: string): string {
  const p = join(dir, name);
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; osqueryd stderr:\n${fileText("stderr").slice(-2000)}\nrsyslogd:\n${fileText("rsyslog.out").slice(-2000)}`);
    await Bun.sleep(200);
  }
}

describe("syslog_events", () => {
  test("lines rsyslog writes to osq's pipe become rows: tag, message (commas and quotes kept), facility, severity, host", async () => {
    const rsyslogd = tool("rsyslogd", "rsyslog");
    const logger = tool("logger", "bsdutils");
    dir = mkdtempSync(join(tmpdir(), "osq-syslog-e2e-"));
    const pipe = join(dir, "syslog_pipe");
    const socket = join(dir, "log.sock");
    writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ schedule: { sl: { query: "SELECT datetime, host, severity, facility, tag, message FROM syslog_events WHERE tag = 'osqtest'", interval: 1 } } }));
    procs.push(
      Bun.spawn(
        [
          OSQUERYD,
          `--config_path=${join(dir, "osquery.conf")}`,
          `--database_path=${join(dir, "osquery.db")}`,
          `--logger_path=${join(dir, "logs")}`,
          `--pidfile=${join(dir, "osqueryd.pid")}`,
          "--enable_syslog",
          `--syslog_pipe_path=${pipe}`,
          "--verbose",
        ],
        { stdout: Bun.file(join(dir, "stdout")), stderr: Bun.file(join(dir, "stderr")), stdin: "ignore" },
      ),
    );
    // osq makes the pipe, with osquery's mode (rsyslog writes, osq reads).
    await waitFor("osq to create its pipe", () => existsSync(pipe) && statSync(pipe).isFIFO());
    expect(statSync(pipe).mode & 0o777).toBe(0o460);
    await waitFor("osq to open the pipe", () => fileText("stderr").includes("Successfully opened pipe for syslog ingestion"));

    writeFileSync(
      join(dir, "rsyslog.conf"),
      [
        `global(workDirectory="${dir}")`,
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imuxsock" Socket="${socket}")`,
        `template(name="OsqueryCsvFormat" type="string" string="${TEMPLATE}")`,
        `*.* action(type="ompipe" Pipe="${pipe}" template="OsqueryCsvFormat")`,
        "",
      ].join("\n"),
    );
    procs.push(Bun.spawn([rsyslogd, "-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslogd.pid")], { stdout: Bun.file(join(dir, "rsyslog.out")), stderr: "pipe", stdin: "ignore" }));
    await waitFor("rsyslogd's socket", () => existsSync(socket));

    const marker = `osq-syslog-${crypto.randomUUID().slice(0, 8)}`;
    const plain = `${marker} plain`;
    const tricky = `${marker} with, commas and "quotes"`;
    for (const [msg, prio] of [
      [plain, "user.notice"],
      [tricky, "daemon.err"],
    ] as const) {
      const r = Bun.spawnSync([logger, "-u", socket, "-t", "osqtest", "-p", prio, msg]);
      expect(r.exitCode).toBe(0);
    }
    const rows = await waitFor("both messages in syslog_events", () => {
      const r = results().filter((l) => l.name === "sl" && l.action === "added").map((l) => l.columns ?? {});
      return r.filter((c) => c.message?.startsWith(marker)).length >= 2 ? r : null;
    });
    const first = rows.find((r) => r.message === plain);
    expect(first).toMatchObject({ tag: "osqtest", facility: "user", severity: "5", host: hostname().split(".")[0] });
    // rfc3339 as rsyslog wrote it.
    expect(first?.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(rows.find((r) => r.message === tricky)).toMatchObject({ tag: "osqtest", facility: "daemon", severity: "3" });
    expect(rows.filter((r) => r.message?.startsWith(marker)).length).toBe(2);
  }, 60_000);
});
