// Status lines in glog's layout, as osquery prints them to stderr:
//   [IWEF]MMDD HH:MM:SS.uuuuuu <tid padded to 5> file:line] message
import { writeStderr } from "../io.ts";

export type Severity = 0 | 1 | 2 | 3;
export const INFO: Severity = 0;
export const WARNING: Severity = 1;
export const ERROR: Severity = 2;
export const FATAL: Severity = 3;

const LETTER = ["I", "W", "E", "F"] as const;

function two(n: number): string {
  return String(n).padStart(2, "0");
}

export function glogLine(severity: Severity, file: string, line: number, message: string, now = new Date()): string {
  const micros = String(now.getMilliseconds() * 1000).padStart(6, "0");
  const stamp = `${two(now.getMonth() + 1)}${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${micros}`;
  return `${LETTER[severity]}${stamp} ${String(process.pid).padStart(5)} ${file}:${line}] ${message}`;
}

/** An error as one line, without its stack: status lines never carry stack frames. */
export function errorMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Minimum severity written to stderr; the shell shows warnings and up unless --verbose. */
let stderrThreshold: Severity = WARNING;

export function setStderrThreshold(s: Severity): void {
  stderrThreshold = s;
}

export function logToStderr(severity: Severity, file: string, line: number, message: string): void {
  if (severity >= stderrThreshold) writeStderr(glogLine(severity, file, line, message) + "\n");
}

/**
 * osquery's VLOG(1): detail a table reports when it cannot read something
 * (a missing socket, a permission), shown only with --verbose.
 */
export function verbose(file: string, message: string): void {
  logToStderr(INFO, file, 0, message);
}
