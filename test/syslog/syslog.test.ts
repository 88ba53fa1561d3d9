// The rsyslog CSV lines and the pipe publisher on a real FIFO in a temp dir:
// its mode, its lock, the per-run rate limit, lines split across reads.
import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync, constants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags } from "../../src/flags/flags.ts";
import { parseSyslogLine, splitRsyslogCsv } from "../../src/syslog/line.ts";
import { SyslogEventPublisher, type SyslogEvent } from "../../src/syslog/publisher.ts";

let dir = "";
const publishers: SyslogEventPublisher[] = [];

afterEach(() => {
  for (const p of publishers.splice(0)) p.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  flags.set("enable_syslog", "false", "cli");
  flags.set("syslog_rate_limit", "100", "cli");
});

function line(n: number): string {
  return `2026-12-01T10:00:00.000000+00:00,host1,6,user,tag${n}:,message ${n}\n`;
}

describe("rsyslog CSV", () => {
  test("fields split at commas outside quotes, doubled quotes are one, backslashes stay", () => {
    expect(splitRsyslogCsv('a,"b,c","say ""hi""",d\\e')).toEqual(["a", "b,c", 'say "hi"', "d\\e"]);
    expect(splitRsyslogCsv("a,")).toEqual(["a", ""]);
    expect(splitRsyslogCsv("")).toEqual([]);
  });

  test("a line becomes datetime, host, severity, facility, tag (without rsyslog's colon) and message", () => {
    expect(parseSyslogLine('2026-12-01T10:00:00+00:00,web1,3,daemon,sshd[42]:, "Accepted key, for root"')).toEqual({
      datetime: "2026-12-01T10:00:00+00:00",
      host: "web1",
      severity: "3",
      facility: "daemon",
      tag: "sshd[42]",
      message: "Accepted key, for root",
    });
    expect(parseSyslogLine("a,b,c")).toBe("Received fewer fields than expected");
    expect(parseSyslogLine("a,b,c,d,e,f,g")).toBe("Received more fields than expected");
  });
});

describe("the syslog pipe publisher", () => {
  function start(): { pub: SyslogEventPublisher; events: SyslogEvent[]; pipe: string } {
    dir = mkdtempSync(join(tmpdir(), "osq-syslog-unit-"));
    const pipe = join(dir, "pipe");
    flags.set("enable_syslog", "true", "cli");
    flags.set("syslog_pipe_path", pipe, "cli");
    const pub = new SyslogEventPublisher();
    publishers.push(pub);
    const events: SyslogEvent[] = [];
    expect(pub.setUp()).toBeNull();
    pub.subscribe({ subscriber: "syslog_events", context: null, callback: (e) => events.push(e) });
    return { pub, events, pipe };
  }

  function write(pipe: string, text: string): void {
    const fd = openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }

  test("is off without --enable_syslog", () => {
    expect(new SyslogEventPublisher().setUp()).toBe("Publisher disabled via configuration");
  });

  test("creates the FIFO with mode 0460 and holds its lock: a second reader is refused", () => {
    const { pipe } = start();
    const st = statSync(pipe);
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o460);
    const second = new SyslogEventPublisher();
    expect(second.setUp()).toMatch(/^Unable to acquire pipe lock/);
  });

  test("reads at most syslog_rate_limit lines per run, the rest on later runs", () => {
    const { pub, events, pipe } = start();
    flags.set("syslog_rate_limit", "100", "cli");
    write(pipe, Array.from({ length: 250 }, (_, i) => line(i)).join(""));
    pub.run();
    expect(events.length).toBe(100);
    pub.run();
    pub.run();
    expect(events.length).toBe(250);
    expect(events[249]).toMatchObject({ tag: "tag249", message: "message 249", facility: "user", severity: "6", host: "host1" });
  });

  test("a line split across two writes is read whole once its newline arrives", () => {
    const { pub, events, pipe } = start();
    const l = line(7);
    write(pipe, l.slice(0, 20));
    pub.run();
    expect(events.length).toBe(0);
    write(pipe, l.slice(20));
    pub.run();
    expect(events).toEqual([{ datetime: "2026-12-01T10:00:00.000000+00:00", host: "host1", severity: "6", facility: "user", tag: "tag7", message: "message 7" }]);
  });

  test("a line longer than osquery's 2048-byte buffer is dropped, the next one is read", () => {
    const { pub, events, pipe } = start();
    write(pipe, `${"x".repeat(5000)}\n${line(1)}`);
    pub.run();
    pub.run();
    expect(events.map((e) => e.tag)).toEqual(["tag1"]);
  });
});
