// A logger plugin an extension serves. Lines go out as osquery's logger
// requests: `{string: line, category: "event"}` for results, `{snapshot:
// line}`, `{init: binary}` then `{action: "features"}` (its status code says
// whether the plugin wants status lines), and `{status: "true", log: <json>}`
// with osquery's intermediate log records ({s, f, i, m, h, c, u}).
// Calls are made in order, one at a time; a failed one is logged at verbose
// level and does not stop the next.
import { calendarTime } from "../../src/daemon/results.ts";
import { errorMessage, verbose } from "../../src/logger/glog.ts";
import type { StatusLine } from "../../src/logger/status.ts";
import type { ExtensionResponse, StringMap } from "../../src/extensions/protocol.ts";
import type { LoggerPlugin } from "./plugin.ts";

/** Calls the plugin; `anyCode` returns a response whatever its status code. */
export type LoggerCall = (request: StringMap, anyCode?: boolean) => Promise<ExtensionResponse>;

/** How long shutdown waits for lines still being sent. */
const STOP_GRACE_MS = 2000;

/** osquery's LOGGER_FEATURE_LOGSTATUS bit of the features answer. */
const FEATURE_LOGSTATUS = 1;

export class ExtensionLoggerPlugin implements LoggerPlugin {
  private chain: Promise<void> = Promise.resolve();
  /** Until features answer, status lines are kept; osquery forwards them only to plugins that want them. */
  private wantsStatus: boolean | null = null;
  private held: StatusLine[] = [];

  constructor(
    readonly name: string,
    private readonly call: LoggerCall,
    private readonly hostIdentifier: () => string,
  ) {}

  setUp(): string | null {
    return null;
  }

  private send(request: StringMap, then?: (r: ExtensionResponse) => void): void {
    this.chain = this.chain.then(async () => {
      try {
        const r = await this.call(request, then !== undefined);
        then?.(r);
      } catch (e) {
        verbose("extension.ts", `logger plugin ${this.name} lost a line: ${errorMessage(e)}`);
      }
    });
  }

  init(binary: string, buffered: readonly StatusLine[]): void {
    this.held.push(...buffered);
    this.send({ init: binary }, () => {});
    this.send({ action: "features" }, (r) => {
      this.wantsStatus = (r.status.code & FEATURE_LOGSTATUS) !== 0;
      const held = this.held;
      this.held = [];
      if (this.wantsStatus && held.length > 0) this.sendStatus(held);
    });
  }

  logString(line: string): void {
    this.send({ string: line, category: "event" });
  }

  logSnapshot(line: string): void {
    this.send({ snapshot: line });
  }

  logStatus(lines: readonly StatusLine[]): void {
    if (this.wantsStatus === null) this.held.push(...lines);
    else if (this.wantsStatus) this.sendStatus(lines);
  }

  private sendStatus(lines: readonly StatusLine[]): void {
    const h = this.hostIdentifier();
    const log = lines.map((l) => ({
      s: l.severity,
      f: l.filename,
      i: l.line,
      m: l.message,
      h,
      c: calendarTime(new Date(l.time)),
      u: Math.floor(l.time / 1000),
    }));
    this.send({ status: "true", log: JSON.stringify(log) });
  }

  /** Waits for the lines already handed over to be sent, but not for a hung extension: at most STOP_GRACE_MS. */
  async stop(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        verbose("extension.ts", `logger plugin ${this.name} still had lines in flight at shutdown`);
        resolve();
      }, STOP_GRACE_MS);
    });
    await Promise.race([this.chain, grace]);
    clearTimeout(timer);
  }
}
