// Logger plugins and the status log: rotation as osquery's LogRotate does it,
// glog file naming and content, logger_mode, the stdout plugin's status
// format, and the severity thresholds (logger_min_status, logger_min_stderr,
// logger_stderr, verbose) applied by the status log.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotate, shouldRotate } from "../../plugins/logger/rotate.ts";
import { FilesystemLoggerPlugin, GlogFiles, parseLoggerMode } from "../../plugins/logger/filesystem.ts";
import { StdoutLoggerPlugin } from "../../plugins/logger/stdout.ts";
import { StatusLog, type StatusLine } from "../../src/logger/status.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-loggers-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (p: string) => readFileSync(join(dir, p), "utf8");

describe("rotation", () => {
  test("x → x.1, x.1 → x.2.zst (compressed), older shift up, beyond max_files deleted", () => {
    const log = join(dir, "r.log");
    writeFileSync(log, "first\n");
    expect(shouldRotate(log, 6)).toBe(true);
    expect(shouldRotate(log, 7)).toBe(false);
    rotate(log, 3);
    expect(existsSync(log)).toBe(false);
    expect(read("r.log.1")).toBe("first\n");
    writeFileSync(log, "second\n");
    rotate(log, 3);
    expect(read("r.log.1")).toBe("second\n");
    expect(Buffer.from(Bun.zstdDecompressSync(readFileSync(join(dir, "r.log.2.zst")))).toString()).toBe("first\n");
    writeFileSync(log, "third\n");
    rotate(log, 3);
    expect(readdirSync(dir).sort()).toEqual(["r.log.1", "r.log.2.zst", "r.log.3.zst"]);
    writeFileSync(log, "fourth\n");
    rotate(log, 3);
    // Only three files stay in the rotation: the oldest ("first") is gone.
    expect(readdirSync(dir).sort()).toEqual(["r.log.1", "r.log.2.zst", "r.log.3.zst"]);
    expect(Buffer.from(Bun.zstdDecompressSync(readFileSync(join(dir, "r.log.3.zst")))).toString()).toBe("second\n");
    expect(() => rotate(join(dir, "missing.log"), 3)).toThrow("does not exist");
  });

  test("the filesystem plugin rotates results before a write once the size is reached", () => {
    const status = new StatusLog();
    const plugin = new FilesystemLoggerPlugin(() => ({ path: dir, mode: 0o640, rotate: true, rotateSize: 20, rotateMaxFiles: 25 }), status);
    expect(plugin.setUp()).toBeNull();
    expect(read("osqueryd.results.log")).toBe("");
    plugin.logString('{"a":"01234567890"}');
    plugin.logString('{"b":1}');
    expect(read("osqueryd.results.log.1")).toBe('{"a":"01234567890"}\n');
    expect(read("osqueryd.results.log")).toBe('{"b":1}\n');
    plugin.logSnapshot('{"s":1}');
    expect(read("osqueryd.snapshots.log")).toBe('{"s":1}\n');
  });
});

describe("files and modes", () => {
  test("logger_mode: octal text, at most 5 digits, 1..07777", () => {
    expect(parseLoggerMode("0640")).toBe(0o640);
    expect(parseLoggerMode("600")).toBe(0o600);
    expect(parseLoggerMode("0999")).toBeNull();
    expect(parseLoggerMode("000000")).toBeNull();
    expect(parseLoggerMode("0")).toBeNull();
  });

  test("results and glog files are created with logger_mode", () => {
    const plugin = new FilesystemLoggerPlugin(() => ({ path: dir, mode: 0o600, rotate: false, rotateSize: 0, rotateMaxFiles: 0 }), new StatusLog());
    plugin.setUp();
    plugin.init("osqueryd", [{ severity: 1, filename: "x.ts", line: 3, message: "careful", time: Date.now() }]);
    expect(statSync(join(dir, "osqueryd.results.log")).mode & 0o777).toBe(0o600);
    const warning = readdirSync(dir).find((f) => f.startsWith("osqueryd.WARNING."))!;
    expect(statSync(join(dir, warning)).mode & 0o777).toBe(0o600);
  });

  test("glog files: one per severity, named <program>.<SEVERITY>.<YYYYMMDD-HHMMSS>.<pid>, linked, each with its severity and above", () => {
    const glog = new GlogFiles(dir, "osqueryd", 0o640);
    const t = new Date(2024, 0, 2, 3, 4, 5).getTime();
    const line = (severity: 0 | 1 | 2, message: string): StatusLine => ({ severity, filename: "config.ts", line: 7, message, time: t });
    glog.write(line(0, "info message"));
    glog.write(line(1, "warning message"));
    glog.write(line(2, "error message"));
    const info = `osqueryd.INFO.20240102-030405.${process.pid}`;
    expect(readlinkSync(join(dir, "osqueryd.INFO"))).toBe(info);
    expect(readlinkSync(join(dir, "osqueryd.WARNING"))).toBe(`osqueryd.WARNING.20240102-030405.${process.pid}`);
    const infoText = read(info);
    expect(infoText).toStartWith("Log file created at: 2024/01/02 03:04:05\nRunning on machine: ");
    expect(infoText).toContain(`I0102 03:04:05.000000 ${String(process.pid).padStart(5)} config.ts:7] info message\n`);
    expect(infoText).toContain("W0102 03:04:05.000000");
    expect(infoText).toContain("E0102 03:04:05.000000");
    const warnText = read("osqueryd.WARNING");
    expect(warnText).not.toContain("info message");
    expect(warnText).toContain("error message");
    expect(read("osqueryd.ERROR")).not.toContain("warning message");
  });
});

describe("status log", () => {
  function capture(settings: Parameters<StatusLog["configure"]>[0]) {
    const status = new StatusLog();
    const stderr: string[] = [];
    const plugin: StatusLine[] = [];
    status.stderrWrite = (t) => void stderr.push(t);
    status.configure(settings);
    status.attach([(lines) => void plugin.push(...lines)]);
    status.verbose("a.ts", "v");
    status.info("a.ts", "i");
    status.warning("a.ts", "w");
    status.error("a.ts", "e");
    return { stderr: stderr.map((l) => l[0]).join(""), plugin: plugin.map((l) => l.message).join("") };
  }

  test("defaults: INFO and up everywhere; VLOG only with verbose", () => {
    expect(capture({})).toEqual({ stderr: "IWE", plugin: "iwe" });
    expect(capture({ verbose: true })).toEqual({ stderr: "IIWE", plugin: "viwe" });
  });

  test("logger_min_status drops lines before any output; logger_min_stderr and logger_stderr gate stderr", () => {
    expect(capture({ minStatus: 1 })).toEqual({ stderr: "WE", plugin: "we" });
    expect(capture({ minStderr: 2 })).toEqual({ stderr: "E", plugin: "iwe" });
    expect(capture({ stderr: false })).toEqual({ stderr: "", plugin: "iwe" });
    // verbose overrides both thresholds.
    expect(capture({ minStatus: 2, minStderr: 2, verbose: true })).toEqual({ stderr: "IIWE", plugin: "viwe" });
  });

  test("lines logged before the plugins attach are handed over when they do", () => {
    const status = new StatusLog();
    status.stderrWrite = () => {};
    status.warning("a.ts", "early");
    const got: string[] = [];
    status.attach([(lines) => void got.push(...lines.map((l) => `${l.severity}:${l.filename}:${l.message}`))]);
    status.info("a.ts", "late");
    expect(got).toEqual(["1:a.ts:early", "0:a.ts:late"]);
  });

  test("the stdout plugin writes lines as they are and status as severity/location/message; it takes over stderr", () => {
    const status = new StatusLog();
    const stderr: string[] = [];
    status.stderrWrite = (t) => void stderr.push(t);
    const out: string[] = [];
    const plugin = new StdoutLoggerPlugin(status, (t) => void out.push(t));
    plugin.init("osqueryd", []);
    status.attach([(lines) => plugin.logStatus(lines)]);
    status.warning("config.ts", "hello");
    plugin.logString('{"x":1}');
    plugin.logSnapshot('{"s":1}');
    expect(out).toEqual(["severity=1 location=config.ts:0 message=hello\n", '{"x":1}\n', '{"s":1}\n']);
    expect(stderr).toEqual([]);
  });
});
