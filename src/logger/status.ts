// The daemon's status log (osquery's glog output), produced through pino.
//
// Call sites log with osquery's severities (INFO, WARNING, ERROR, FATAL, plus
// VLOG for --verbose). pino, configured with exactly those four levels, gates
// each call by level and hands the record, still an object, to its logMethod
// hook; the hook fans it out the way glog does in osquery (pino's JSON writer
// is never reached, so nothing is serialised only to be parsed back):
//   - to stderr in glog's line layout, when the severity reaches
//     logger_min_stderr (and logger_stderr is on), or always with --verbose;
//   - to the logger plugins (the filesystem plugin's glog files, stdout, ...),
//     when it reaches logger_min_status. Lines logged before the plugins are
//     set up are buffered and handed over when they attach, as osquery's
//     BufferedLogSink does.
// Only the daemon imports this module: the shell prints its few warnings with
// glog.ts directly and never loads pino.
import pino from "pino";
import { WARNING, glogLine, type Severity } from "./glog.ts";

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

const LEVELS = { osq_info: 30, osq_warning: 40, osq_error: 50, osq_fatal: 60 } as const;
type LevelName = keyof typeof LEVELS;
const NAME_OF: readonly LevelName[] = ["osq_info", "osq_warning", "osq_error", "osq_fatal"];
const SEVERITY_OF: Readonly<Record<number, Severity>> = { 30: 0, 40: 1, 50: 2, 60: 3 };

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
  private readonly logger: pino.Logger<LevelName, boolean>;
  /** Where stderr copies go; tests capture them. */
  stderrWrite: (text: string) => void = (t) => void process.stderr.write(t);

  constructor() {
    const dispatch = (severity: Severity, file: string, line: number, message: string) => this.dispatch(severity, file, line, message);
    this.logger = pino<LevelName, boolean>(
      {
        customLevels: LEVELS,
        useOnlyCustomLevels: true,
        level: "osq_info",
        base: null,
        timestamp: false,
        hooks: {
          // Every call reaches here as log(severity, ...) made it: [{ file, line }, message].
          logMethod(args, _method, level) {
            const [where, message] = args as unknown as [{ file: string; line: number }, string];
            dispatch(SEVERITY_OF[level] ?? 0, where.file, where.line, message);
          },
        },
      },
      // Never written to: logMethod does not call on into pino's serialiser.
      { write: () => {} },
    );
  }

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

  log(severity: Severity, file: string, message: string, line = 0): void {
    this.logger[NAME_OF[severity]!]({ file, line }, message);
  }

  private dispatch(severity: Severity, filename: string, lineNo: number, message: string): void {
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
