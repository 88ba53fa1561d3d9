// The daemon's status log (osquery's glog output), written directly.
//
// Call sites log with osquery's severities (INFO, WARNING, ERROR, FATAL, plus
// VLOG for --verbose), and each record goes out synchronously, still an
// object, the way glog fans it out in osquery:
//   - to stderr in glog's line layout, when the severity reaches
//     logger_min_stderr (and logger_stderr is on), or always with --verbose;
//   - to the logger plugins (the filesystem plugin's glog files, stdout, ...),
//     when it reaches logger_min_status. Lines logged before the plugins are
//     set up are buffered and handed over when they attach, as osquery's
//     BufferedLogSink does.
// No logging library sits in between: one (pino) was used only to gate four
// levels that are all enabled, and loading it cost the daemon about 3 MB.
import { WARNING, glogLine, type Severity } from "./glog.ts";
import { writeStderr } from "../io.ts";

export interface StatusLine {
  readonly severity: Severity;
  readonly filename: string;
  readonly line: number;
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** A receiver of status lines (a logger plugin's logStatus). */
export type StatusSink = (lines: readonly StatusLine[]) => void;

export interface StatusSettings {
  minStatus: number;
  minStderr: number;
  stderr: boolean;
  verbose: boolean;
}

/** Lines kept for plugins that are not attached yet; osquery's buffer is bounded too. */
const MAX_PENDING = 10000;

export class StatusLog {
  private settings: StatusSettings = { minStatus: 0, minStderr: 0, stderr: true, verbose: false };
  private sinks: StatusSink[] | null = null;
  private pending: StatusLine[] = [];
  /** Set when no plugin can write status logs anywhere (unwritable log dir): stderr gets everything. */
  private stderrFallback = false;
  /** Set by plugins that take stderr's place (stdout), as osquery's stdout plugin stops glog's stderr copy. */
  private stderrSuppressed = false;
  /** Where stderr copies go; tests capture them. */
  stderrWrite: (text: string) => void = writeStderr;

  configure(settings: Partial<StatusSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  get verboseEnabled(): boolean {
    return this.settings.verbose;
  }

  /** Hands the buffered lines to the plugins and sends later lines straight to them. */
  attach(sinks: StatusSink[]): void {
    this.sinks = sinks;
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) return;
    for (const s of sinks) {
      try {
        s(pending);
      } catch {
        // Those lines had their stderr copy, if any, when they were logged; a
        // plugin that cannot take them at start loses them, and says so once.
        this.stderrWrite(glogLine(WARNING, "status.ts", 0, `A logger plugin could not write ${pending.length} buffered status lines`) + "\n");
      }
    }
  }

  detach(): void {
    this.sinks = null;
  }

  useStderrFallback(on: boolean): void {
    this.stderrFallback = on;
  }

  suppressStderr(on: boolean): void {
    this.stderrSuppressed = on;
  }

  info(file: string, message: string): void {
    this.log(0, file, message);
  }

  warning(file: string, message: string): void {
    this.log(1, file, message);
  }

  error(file: string, message: string): void {
    this.log(2, file, message);
  }

  /** osquery's VLOG(1): an INFO line that exists only with --verbose. */
  verbose(file: string, message: string): void {
    if (this.settings.verbose) this.log(0, file, message);
  }

  log(severity: Severity, filename: string, message: string, lineNo = 0): void {
    const line: StatusLine = { severity, filename, line: lineNo, message, time: Date.now() };
    const { minStatus, minStderr, stderr, verbose } = this.settings;
    // glog drops anything under minloglevel (logger_min_status) before any output.
    if (!verbose && severity < minStatus) return;
    const toStderr = verbose || this.stderrFallback || (stderr && !this.stderrSuppressed && severity >= minStderr);
    const text = () => glogLine(severity, line.filename, line.line, line.message, new Date(line.time)) + "\n";
    if (toStderr) this.stderrWrite(text());
    if (this.sinks) {
      for (const s of this.sinks) {
        try {
          s([line]);
        } catch {
          // A status line is logged from inside error handlers: a plugin that
          // cannot take it must not throw into them. stderr keeps the line.
          if (!toStderr) this.stderrWrite(text());
        }
      }
    } else if (this.pending.length < MAX_PENDING) {
      this.pending.push(line);
    }
  }
}

/** The daemon's one status log. */
export const status = new StatusLog();
