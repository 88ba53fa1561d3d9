// The filesystem logger plugin (INTERFACES §5): results to
// <logger_path>/osqueryd.results.log (created empty at setup), snapshots to
// osqueryd.snapshots.log, each line ending in "\n", files created with
// logger_mode; optional rotation. Status lines go to glog-style files
// osqueryd.INFO.<YYYYMMDD-HHMMSS>.<pid> (and .WARNING, .ERROR: each file gets
// its severity and those above), with osqueryd.INFO etc. symlinks to the
// latest. When the directory is not writable, status lines go to stderr.
//
// Each write opens, appends and closes, as osquery does, so an external
// logrotate that moves the file away is followed by a fresh file.
import { accessSync, chmodSync, closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { WARNING, errorMessage, glogLine, verbose } from "../../src/logger/glog.ts";
import type { StatusLine, StatusLog } from "../../src/logger/status.ts";
import type { LoggerPlugin } from "./plugin.ts";
import { rotate, shouldRotate } from "./rotate.ts";

export const RESULTS_LOG = "osqueryd.results.log";
export const SNAPSHOTS_LOG = "osqueryd.snapshots.log";
const SEVERITY_NAMES = ["INFO", "WARNING", "ERROR"] as const;

export interface FilesystemSettings {
  readonly path: string;
  /** File mode for new files (logger_mode, already parsed from octal). */
  readonly mode: number;
  readonly rotate: boolean;
  readonly rotateSize: number;
  readonly rotateMaxFiles: number;
}

/** Parses logger_mode ("0640"): an octal string of at most 5 digits, 1..07777. */
export function parseLoggerMode(text: string): number | null {
  if (text.length > 5 || !/^[0-7]+$/.test(text)) return null;
  const mode = Number.parseInt(text, 8);
  return mode > 0 && mode <= 0o7777 ? mode : null;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Appends `text` to `path`, creating it with exactly `mode` (umask aside, as
 * osquery chmods too). All of it or none: on a filling disk write(2) takes
 * part of a line and then fails, so a failed append is cut back off and the
 * file never holds half a line.
 */
export function appendText(path: string, text: string, mode: number): void {
  let fd: number;
  let created = false;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
  } catch {
    // Missing: created here. Any other reason makes the create throw it.
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, mode);
    created = true;
  }
  try {
    if (created) chmodSync(path, mode);
    if (text.length === 0) return;
    const buf = Buffer.from(text);
    const start = fstatSync(fd).size;
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // the write's own error below is the one to report
      }
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

/** glog's per-severity files for one program name in one directory. */
export class GlogFiles {
  private readonly files = new Map<number, string>();

  constructor(
    private readonly dir: string,
    private readonly program: string,
    private readonly mode: number,
  ) {}

  write(line: StatusLine): void {
    const text = glogLine(line.severity, line.filename, line.line, line.message, new Date(line.time)) + "\n";
    // A FATAL line goes to every file; glog keeps no separate FATAL file here.
    for (let s = 0; s <= Math.min(line.severity, 2); s++) appendText(this.fileFor(s, line.time), text, this.mode);
  }

  private fileFor(severity: number, time: number): string {
    const existing = this.files.get(severity);
    if (existing) return existing;
    const d = new Date(time);
    const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
    const name = `${this.program}.${SEVERITY_NAMES[severity]}.${stamp}.${process.pid}`;
    const path = join(this.dir, name);
    const header =
      `Log file created at: ${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}\n` +
      `Running on machine: ${hostname()}\n` +
      "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n";
    appendText(path, header, this.mode);
    const link = join(this.dir, `${this.program}.${SEVERITY_NAMES[severity]}`);
    try {
      rmSync(link, { force: true });
      symlinkSync(name, link);
    } catch {
      // a symlink is a convenience; the log file itself is written
    }
    this.files.set(severity, path);
    return path;
  }
}

export class FilesystemLoggerPlugin implements LoggerPlugin {
  readonly name = "filesystem";
  private glog: GlogFiles | null = null;

  constructor(
    private readonly settings: () => FilesystemSettings,
    private readonly status: StatusLog,
  ) {}

  setUp(): string | null {
    const { path, mode } = this.settings();
    try {
      mkdirSync(path, { recursive: true });
      appendText(join(path, RESULTS_LOG), "", mode);
      return null;
    } catch (e) {
      return `cannot write ${join(path, RESULTS_LOG)}: ${(e as Error).message}`;
    }
  }

  init(binary: string, buffered: readonly StatusLine[]): void {
    const { path, mode } = this.settings();
    try {
      accessSync(path, constants.W_OK);
      this.glog = new GlogFiles(path, binary, mode);
      this.status.useStderrFallback(false);
    } catch (e) {
      // osquery's glog falls back to stderr when its log directory is not writable.
      verbose("filesystem.ts", `Status lines go to stderr: ${errorMessage(e)}`);
      this.glog = null;
      this.status.useStderrFallback(true);
    }
    try {
      this.logStatus(buffered);
    } catch (e) {
      this.status.stderrWrite(glogLine(WARNING, "filesystem.ts", 0, `Cannot write ${buffered.length} buffered status lines: ${errorMessage(e)}`) + "\n");
    }
  }

  logString(line: string): void {
    this.append(RESULTS_LOG, line);
  }

  logSnapshot(line: string): void {
    this.append(SNAPSHOTS_LOG, line);
  }

  /** Throws when a line could not be written (a full disk): the status log then puts it on stderr. */
  logStatus(lines: readonly StatusLine[]): void {
    if (!this.glog) return;
    let failure: unknown = null;
    for (const l of lines) {
      try {
        this.glog.write(l);
      } catch (e) {
        failure = e;
      }
    }
    if (failure !== null) throw failure;
  }

  private append(file: string, line: string): void {
    const s = this.settings();
    const path = join(s.path, file);
    if (s.rotate && shouldRotate(path, s.rotateSize)) rotate(path, s.rotateMaxFiles);
    appendText(path, line + "\n", s.mode);
  }
}
