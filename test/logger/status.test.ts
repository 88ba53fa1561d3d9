// Status records reach the sinks and the stderr copy exactly as logged, as
// objects (no JSON text in between): text JSON would have to escape,
// ordering and severities, and the glog layout of the stderr copy.
import { describe, expect, test } from "bun:test";
import { StatusLog, type StatusLine } from "../../src/logger/status.ts";

const AWKWARD = [
  'quotes " and \\ backslashes',
  "two\nlines\tand a tab",
  "control \u0001 and DEL \u007f",
  "unicode é ✓ 😀 and a lone surrogate \ud800",
  "x".repeat(5000),
  "",
  "%s %d %j look like format directives",
];

function capture(): { log: StatusLog; lines: StatusLine[]; stderr: string[] } {
  const log = new StatusLog();
  const lines: StatusLine[] = [];
  const stderr: string[] = [];
  log.stderrWrite = (t) => void stderr.push(t);
  log.configure({ minStatus: 0, minStderr: 0, stderr: true, verbose: false });
  log.attach([(ls) => void lines.push(...ls)]);
  return { log, lines, stderr };
}

describe("status log records", () => {
  test("messages, files and line numbers arrive unchanged, in order, with their severities", () => {
    const { log, lines } = capture();
    const before = Date.now();
    AWKWARD.forEach((m, i) => log.log((i % 4) as 0 | 1 | 2 | 3, `f${i}.ts`, m, i * 10));
    expect(lines.map((l) => [l.severity, l.filename, l.line, l.message])).toEqual(AWKWARD.map((m, i) => [i % 4, `f${i}.ts`, i * 10, m]));
    for (const l of lines) expect(l.time).toBeGreaterThanOrEqual(before);
  });

  test("the stderr copy is the glog line of the same record", () => {
    const { log, stderr } = capture();
    log.warning("w.ts", 'a "quoted" warning');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ w\.ts:0\] a "quoted" warning\n$/);
  });

  test("below logger_min_status nothing is written; verbose lines exist only with --verbose", () => {
    const { log, lines } = capture();
    log.configure({ minStatus: 2 });
    log.info("a.ts", "dropped");
    log.verbose("a.ts", "not verbose");
    log.error("a.ts", "kept");
    expect(lines.map((l) => l.message)).toEqual(["kept"]);
  });
});
