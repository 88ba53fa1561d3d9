// The syslog logger plugin (osquery's SyslogLoggerPlugin): every line goes
// through syslog(3), so it lands wherever the system logger (/dev/log) puts
// it, tagged with the binary's name and pid. Result and snapshot lines go at
// LOG_INFO, optionally behind "@cee:" for CEE-aware collectors; status lines
// as `severity=N location=file:line message=text`, at the syslog severity
// osquery maps each to. Nothing is buffered, as in osquery: syslog(3) drops
// what the system logger does not take.
import { ptr } from "bun:ffi";
import { FATAL, WARNING, ERROR } from "../../src/logger/glog.ts";
import type { StatusLine } from "../../src/logger/status.ts";
import { libc } from "../../src/linux/libc.ts";
import type { LoggerPlugin } from "./plugin.ts";

// <syslog.h>
const LOG_PID = 0x01;
const LOG_CONS = 0x02;
export const LOG_CRIT = 2;
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;
/** LOG_LOCAL3 >> 3, osquery's default facility. */
export const DEFAULT_FACILITY = 19;

/** Where the plugin's lines go: syslog(3), or a test's stand-in. */
export interface SyslogSink {
  open(ident: string, facility: number): void;
  write(priority: number, message: string): void;
}

export interface SyslogSettings {
  readonly facility: number;
  readonly prependCee: boolean;
}

function cString(s: string): Buffer {
  return Buffer.from(s + "\0", "utf8");
}

/** syslog(3) through libc, or null when libc.so.6 cannot be opened. */
export function libcSyslog(): SyslogSink | null {
  const c = libc();
  if (c === null) return null;
  const format = cString("%s");
  // openlog keeps the pointer, not a copy: the ident must outlive every syslog call.
  let ident = cString("");
  return {
    open(name, facility) {
      c.closelog();
      ident = cString(name);
      c.openlog(ptr(ident), LOG_PID | LOG_CONS, facility << 3);
    },
    write(priority, message) {
      const text = cString(message);
      c.syslog(priority, ptr(format), ptr(text));
    },
  };
}

/** The syslog severity osquery gives a status line's glog severity. */
export function statusPriority(severity: number): number {
  if (severity === WARNING) return LOG_WARNING;
  if (severity === ERROR) return LOG_ERR;
  if (severity === FATAL) return LOG_CRIT;
  return LOG_NOTICE;
}

export class SyslogLoggerPlugin implements LoggerPlugin {
  readonly name = "syslog";
  private sink: SyslogSink | null = null;

  constructor(
    private readonly settings: () => SyslogSettings,
    private readonly makeSink: () => SyslogSink | null = libcSyslog,
  ) {}

  setUp(): string | null {
    this.sink = this.makeSink();
    return this.sink === null ? "syslog(3) is not available: libc.so.6 cannot be opened" : null;
  }

  init(binary: string, buffered: readonly StatusLine[]): void {
    const f = this.settings().facility;
    // osquery resets an out-of-range facility to its default rather than refusing to start.
    const facility = Number.isInteger(f) && f >= 0 && f <= 23 ? f : DEFAULT_FACILITY;
    this.sink?.open(binary, facility);
    this.logStatus(buffered);
  }

  logString(line: string): void {
    this.sink?.write(LOG_INFO, this.settings().prependCee ? `@cee:${line}` : line);
  }

  logSnapshot(line: string): void {
    this.logString(line);
  }

  logStatus(lines: readonly StatusLine[]): void {
    for (const l of lines) this.sink?.write(statusPriority(l.severity), `severity=${l.severity} location=${l.filename}:${l.line} message=${l.message}`);
  }
}
