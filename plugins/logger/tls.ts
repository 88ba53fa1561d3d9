// The tls logger plugin (INTERFACES §8, osquery's TLSLoggerPlugin): result,
// snapshot and status lines go to the `logs` domain as they are produced
// (LogBuffer), and a drain loop sends them to --logger_tls_endpoint every
// --logger_tls_period: at most --logger_tls_max_lines per request, results and
// statuses in separate requests, as `{log_type, data:[objects]}`. A line leaves
// the buffer only when the server accepted the request that carried it, so a
// server that is down, or a kill -9 mid-request, costs at most a repeat. A
// backlog goes one bounded request after another (drainOnce).
//
// Failures back off per type (log_drain.ts). An outage is reported in one
// status line per type when it starts (and again only if its reason changes)
// and one when delivery resumes, not once per attempt: those status lines are
// themselves buffered and sent, and a line per period would be a flood.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { Clock } from "../../src/daemon/scheduler.ts";
import { errorMessage } from "../../src/logger/glog.ts";
import type { BufferedLine, LogType } from "../../src/remote/log_buffer.ts";
import { Backoff } from "../../src/remote/log_drain.ts";
import type { RemoteSession } from "../../src/remote/session.ts";
import type { Store } from "../../src/store/store.ts";
import { BufferedSender, purgeOverLimit } from "./buffered.ts";

export interface TlsLoggerSettings {
  readonly endpoint: string;
  readonly periodSeconds: number;
  readonly maxLines: number;
  readonly maxLineSize: number;
  readonly backoffMaxSeconds: number;
  readonly compress: boolean;
  /** buffered_log_max: 0 for no limit. */
  readonly bufferedLogMax: number;
  readonly disableStatusLog: boolean;
  readonly decorationsTopLevel: boolean;
}

/** Where the plugin's own status lines go (the daemon's status log). */
export interface TlsLoggerLog {
  info(message: string): void;
  warning(message: string): void;
  verbose(message: string): void;
}

export interface TlsLoggerDeps {
  readonly session: RemoteSession;
  readonly store: Store;
  readonly clock: Clock;
  /** Read at every use, so config options that change the flags apply at once. */
  readonly settings: () => TlsLoggerSettings;
  readonly log: TlsLoggerLog;
  readonly hostIdentifier: () => string;
  readonly decorations: () => ReadonlyMap<string, string>;
}

const TYPES: readonly LogType[] = ["result", "status"];

/** An outage being reported: its reason, so a changed reason is reported again. */
interface Streak {
  reason: string;
}

export class TlsLoggerPlugin extends BufferedSender {
  readonly name = "tls";
  private readonly backoff: Record<LogType, Backoff>;
  private readonly streaks: Record<LogType, Streak | null> = { result: null, status: null };

  constructor(private readonly deps: TlsLoggerDeps) {
    super(deps, undefined, () => deps.settings().periodSeconds * 1000, () => {
      const s = deps.settings();
      return { sendStatus: !s.disableStatusLog, decorationsTopLevel: s.decorationsTopLevel };
    });
    const timing = () => {
      const s = deps.settings();
      return { periodSeconds: s.periodSeconds, backoffMaxSeconds: s.backoffMaxSeconds };
    };
    this.backoff = { result: new Backoff(timing), status: new Backoff(timing) };
  }

  setUp(): string | null {
    try {
      this.buffer.load();
      return null;
    } catch (e) {
      return `cannot read the buffered logs: ${errorMessage(e)}`;
    }
  }

  /**
   * One pass: for each type that is due, a batch; while batches come back
   * full and accepted, the next one at once, until the pass has taken a
   * period; then the buffered_log_max purge.
   *
   * osquery sends one batch per type per period, so a backlog of a million
   * lines at its defaults takes over an hour to catch up. Here the backlog
   * goes as fast as the server takes it, but never faster: one request at a
   * time, each at most logger_tls_max_lines, and half of each period idle.
   */
  async drainOnce(): Promise<void> {
    const start = this.deps.clock.now();
    const budget = this.deps.settings().periodSeconds * 1000;
    for (const type of TYPES) {
      for (let first = true; ; first = false) {
        if (this.drain.stopped) return;
        if (!this.backoff[type].due(this.deps.clock.now())) break;
        if (!first && this.deps.clock.now() - start >= budget) break;
        let more = false;
        try {
          more = await this.sendBatch(type);
        } catch (e) {
          // Only the store can throw here (a full disk deleting sent lines):
          // those lines stay and go again, which the server must tolerate anyway.
          this.deps.log.verbose(`TLS logger could not update its buffer: ${errorMessage(e)}`);
        }
        if (!more) break;
      }
    }
    this.purge();
  }

  /** Sends the oldest batch of a type; true when it was full and is gone, so more may be waiting. */
  private async sendBatch(type: LogType): Promise<boolean> {
    const s = this.deps.settings();
    const max = Math.max(1, s.maxLines);
    const batch = this.buffer.oldest(type, max);
    if (batch.length === 0) return false;
    const full = batch.length === max;
    if (type === "status" && s.disableStatusLog) {
      // Lines buffered before the flag was set: osquery's send drops them as sent.
      this.buffer.remove(batch.map((b) => b.key));
      return full;
    }
    const { data, unsendable } = this.payload(batch, s.maxLineSize);
    if (unsendable.size > 0) this.buffer.remove([...unsendable]);
    if (data.length === 0) return full;
    const body: JsonObject = { log_type: type, data };
    const reply = await this.deps.session.request(s.endpoint, body, { compress: s.compress, attempts: 1 });
    if (this.drain.abandoned) return false;
    const now = this.deps.clock.now();
    if (reply.ok) {
      this.buffer.remove(batch.filter((b) => !unsendable.has(b.key)).map((b) => b.key));
      const failures = this.backoff[type].failures;
      this.backoff[type].succeeded();
      if (this.streaks[type]) {
        this.streaks[type] = null;
        this.deps.log.info(`TLS logger is sending ${type} logs again after ${failures} failed attempts`);
      }
      return full;
    }
    const wait = this.backoff[type].failed(now);
    const reason = reply.error.message;
    const report = `TLS logger could not send ${type} logs to ${s.endpoint}: ${reason} (${this.buffer.count} lines kept, next attempt in ${wait} s)`;
    if (this.streaks[type]?.reason === reason) {
      this.deps.log.verbose(report);
    } else {
      this.streaks[type] = { reason };
      this.deps.log.warning(report);
    }
    return false;
  }

  /** The batch's lines as JSON objects; lines that can never be sent are returned apart to be dropped. */
  private payload(batch: readonly BufferedLine[], maxLineSize: number): { data: unknown[]; unsendable: Set<string> } {
    const data: unknown[] = [];
    const unsendable = new Set<string>();
    for (const b of batch) {
      const size = Buffer.byteLength(b.line);
      if (maxLineSize > 0 && size > maxLineSize) {
        this.deps.log.warning(`Linesize exceeds TLS logger maximum: ${size}`);
        unsendable.add(b.key);
        continue;
      }
      try {
        data.push(JSON.parse(b.line));
      } catch (e) {
        this.deps.log.verbose(`TLS logger dropped a line that is not JSON: ${errorMessage(e)}`);
        unsendable.add(b.key);
      }
    }
    return { data, unsendable };
  }

  private purge(): void {
    purgeOverLimit(this.buffer, this.deps.settings().bufferedLogMax, this.deps.log, "TLS logger");
  }
}
