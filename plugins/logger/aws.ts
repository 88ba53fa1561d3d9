// The aws_kinesis and aws_firehose logger plugins (osquery's
// AwsLogForwarder): lines are kept in the `logs` domain as they are produced
// (LogBuffer, under the plugin's name, as osquery's forwarder does), and every
// --aws_<service>_period a drain pass sends them with PutRecords (Kinesis) or
// PutRecordBatch (Firehose), signed with SigV4.
//
// Each line gains "log_type" the way osquery's property tree writes it
// (ptree_json.ts); a line that is not JSON, or too big for one record, is
// dropped with an error, as osquery drops it. Records are packed into
// batches of at most 500 records and the service's byte limit. A batch is
// tried up to 100 times, waiting 3 s plus 1 s per retry before each retry, and
// after each reply the records the service accepted leave the buffer; only
// the refused ones are sent again. osquery keeps a whole pass's lines when any
// batch of it fails, which sends the accepted ones again; here a line that
// arrived is never sent twice, and one that did not stays buffered, across a
// restart too, until it does.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../src/daemon/scheduler.ts";
import { errorMessage } from "../../src/logger/glog.ts";
import type { BufferedLine, LogType } from "../../src/remote/log_buffer.ts";
import type { AwsService } from "../../src/aws/region.ts";
import type { Result } from "../../src/result.ts";
import type { Store } from "../../src/store/store.ts";
import { BufferedSender, purgeOverLimit } from "./buffered.ts";
import { withLogType } from "./ptree_json.ts";

/** What tells Kinesis and Firehose apart. */
export interface StreamService {
  /** The plugin's name, also its buffer's key prefix. */
  readonly name: "aws_kinesis" | "aws_firehose";
  /** For messages: "Kinesis", "Firehose". */
  readonly label: string;
  readonly service: AwsService;
  readonly target: string;
  readonly maxBytesPerRecord: number;
  readonly maxRecordsPerBatch: number;
  readonly maxBytesPerBatch: number;
  /** Firehose concatenates records, so each ends in a newline. */
  readonly newline: boolean;
  /** The request body for `records`. */
  body(stream: string, records: readonly Buffer[], partitionKey: () => string): unknown;
  /** The reply's list of per-record results, in request order. */
  readonly resultsKey: string;
}

export const KINESIS: StreamService = {
  name: "aws_kinesis",
  label: "Kinesis",
  service: "kinesis",
  target: "Kinesis_20131202.PutRecords",
  // A record's data and partition key together may take 1 MB; a key takes at most 256 bytes.
  maxBytesPerRecord: 1_000_000 - 256,
  maxRecordsPerBatch: 500,
  maxBytesPerBatch: 5_000_000,
  newline: false,
  body: (stream, records, partitionKey) => ({ StreamName: stream, Records: records.map((r) => ({ Data: r.toString("base64"), PartitionKey: partitionKey() })) }),
  resultsKey: "Records",
};

export const FIREHOSE: StreamService = {
  name: "aws_firehose",
  label: "Firehose",
  service: "firehose",
  target: "Firehose_20150804.PutRecordBatch",
  maxBytesPerRecord: 1_000_000,
  maxRecordsPerBatch: 500,
  maxBytesPerBatch: 4_000_000,
  newline: true,
  body: (stream, records) => ({ DeliveryStreamName: stream, Records: records.map((r) => ({ Data: r.toString("base64") })) }),
  resultsKey: "RequestResponses",
};

/** Per-record error codes of a reply ("" for an accepted record) and the first error's text; null when the reply does not list every record. */
export function recordErrors(reply: unknown, key: string, count: number): { codes: string[]; message: string } | null {
  if (typeof reply !== "object" || reply === null) return null;
  const list = (reply as Record<string, unknown>)[key];
  if (!Array.isArray(list) || list.length !== count) return null;
  let message = "";
  const codes = list.map((entry: unknown) => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const code = typeof e.ErrorCode === "string" ? e.ErrorCode : "";
    if (code !== "" && message === "") message = `${code}: ${typeof e.ErrorMessage === "string" ? e.ErrorMessage : ""}`;
    return code;
  });
  return { codes, message };
}

export interface AwsLoggerSettings {
  readonly stream: string;
  readonly periodSeconds: number;
  readonly sendStatus: boolean;
  readonly randomPartitionKey: boolean;
  /** buffered_log_max: 0 for no limit. */
  readonly bufferedLogMax: number;
  readonly decorationsTopLevel: boolean;
}

export interface AwsLoggerLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  verbose(message: string): void;
}

/** Where batches go: the region and endpoint resolved at setup, and one signed call. */
export interface StreamSink {
  /** The region and endpoint, or why the plugin cannot start (osquery's setUp errors). */
  resolve(): Result<{ region: string; url: URL }, string>;
  call(region: string, url: URL, target: string, body: unknown): Promise<Result<unknown, string>>;
}

export interface AwsLoggerDeps {
  readonly service: StreamService;
  readonly store: Store;
  readonly clock: Clock;
  readonly settings: () => AwsLoggerSettings;
  readonly sink: StreamSink;
  readonly log: AwsLoggerLog;
  readonly hostIdentifier: () => string;
  readonly decorations: () => ReadonlyMap<string, string>;
}

const TYPES: readonly LogType[] = ["result", "status"];
/** osquery's AWS forwarders read at most this many buffered lines per pass. */
const LINES_PER_PASS = 500;
const MAX_ATTEMPTS = 100;
const FIRST_RETRY_DELAY_MS = 3000;
const EXCERPT_CHARS = 200;

/**
 * The start of a dropped line, for the error that reports it. osquery logs
 * the whole line; that error is a status line these plugins buffer and send
 * in turn, so a record too big to send would make one too big to send, and
 * so on every period.
 */
function excerpt(line: string): string {
  return line.length <= EXCERPT_CHARS ? line : `${line.slice(0, EXCERPT_CHARS)}… (${line.length - EXCERPT_CHARS} more characters)`;
}

/** Milliseconds before attempt `retry` (0-based) of a batch, as osquery waits. */
export function retryDelayMs(retry: number): number {
  return retry === 0 ? 0 : FIRST_RETRY_DELAY_MS + retry * 1000;
}

interface Record_ {
  readonly key: string;
  readonly data: Buffer;
}

export class AwsLoggerPlugin extends BufferedSender {
  readonly name: string;
  private target: { region: string; url: URL } | null = null;
  private partitionKey = "";
  /** The reason of the outage being reported, so a changed reason is reported again. */
  private outage: string | null = null;
  private failedAttempts = 0;

  constructor(private readonly deps: AwsLoggerDeps) {
    super(deps, deps.service.name, () => Math.max(1, deps.settings().periodSeconds) * 1000, () => deps.settings());
    this.name = deps.service.name;
  }

  setUp(): string | null {
    try {
      this.buffer.load();
    } catch (e) {
      return `cannot read the buffered logs: ${errorMessage(e)}`;
    }
    const resolved = this.deps.sink.resolve();
    if (!resolved.ok) return resolved.error;
    if (this.deps.settings().stream === "") return `Stream name must be specified with --${this.name}_stream`;
    this.target = resolved.value;
    this.partitionKey = this.deps.hostIdentifier();
    this.deps.log.verbose(`${this.deps.service.label} logging initialized with stream: ${this.deps.settings().stream}`);
    return null;
  }

  /**
   * One pass: the oldest lines of each type, a pass's worth at a time, while
   * they all arrive and the pass has not taken a period; then the
   * buffered_log_max purge.
   */
  async drainOnce(): Promise<void> {
    const start = this.deps.clock.now();
    const budget = Math.max(1, this.deps.settings().periodSeconds) * 1000;
    for (const type of TYPES) {
      for (let first = true; ; first = false) {
        if (this.drain.stopped) return;
        if (!first && this.deps.clock.now() - start >= budget) break;
        let more = false;
        try {
          more = await this.sendOldest(type);
        } catch (e) {
          // Only the store can throw here: the lines stay and go again.
          this.deps.log.verbose(`${this.deps.service.label} logger could not update its buffer: ${errorMessage(e)}`);
        }
        if (!more) break;
      }
    }
    purgeOverLimit(this.buffer, this.deps.settings().bufferedLogMax, this.deps.log, `${this.deps.service.label} logger`);
  }

  /** Sends a pass's worth of the oldest lines of a type; true when every one is gone and more may be waiting. */
  private async sendOldest(type: LogType): Promise<boolean> {
    const lines = this.buffer.oldest(type, LINES_PER_PASS);
    if (lines.length === 0) return false;
    const full = lines.length === LINES_PER_PASS;
    if (type === "status" && !this.deps.settings().sendStatus) {
      // Buffered before status logs were turned off: osquery no longer sends them.
      this.buffer.remove(lines.map((l) => l.key));
      return full;
    }
    for (const batch of this.batches(type, lines)) {
      if (!(await this.sendBatch(batch))) return false;
    }
    return full;
  }

  /** The lines as records, packed into batches; lines that can never be sent are dropped here. */
  private batches(type: LogType, lines: readonly BufferedLine[]): Record_[][] {
    const svc = this.deps.service;
    const doomed: string[] = [];
    const tooBig: string[] = [];
    const out: Record_[][] = [];
    let current: Record_[] = [];
    let bytes = 0;
    for (const l of lines) {
      let text: string;
      try {
        text = withLogType(l.line, type);
      } catch (e) {
        this.deps.log.error(`${svc.name}: The following log record has been discarded because it was not in JSON format (${errorMessage(e)}): ${excerpt(l.line)}`);
        doomed.push(l.key);
        continue;
      }
      const data = Buffer.from(svc.newline ? text + "\n" : text);
      if (data.length >= svc.maxBytesPerRecord || data.length >= svc.maxBytesPerBatch) {
        tooBig.push(`${data.length} bytes: ${excerpt(text)}`);
        doomed.push(l.key);
        continue;
      }
      if (current.length > 0 && (bytes + data.length >= svc.maxBytesPerBatch || current.length >= svc.maxRecordsPerBatch)) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push({ key: l.key, data });
      bytes += data.length;
    }
    if (current.length > 0) out.push(current);
    if (tooBig.length > 0) this.deps.log.error(`${svc.name}: The following log records have been discarded because they were too big:\n${tooBig.join("\n")}`);
    if (doomed.length > 0) this.buffer.remove(doomed);
    return out;
  }

  /** Sends one batch, retrying what was refused; true once every record arrived. */
  private async sendBatch(batch: Record_[]): Promise<boolean> {
    const svc = this.deps.service;
    const s = this.deps.settings();
    const target = this.target;
    if (target === null) return false;
    let pending = batch;
    for (let retry = 0; retry < MAX_ATTEMPTS; retry++) {
      const delay = retryDelayMs(retry);
      if (delay > 0) {
        await this.deps.clock.sleep(delay);
        // Shutting down: the lines stay buffered and go at the next start.
        if (this.drain.stopped) return false;
      }
      const key = () => (s.randomPartitionKey ? randomUUID() : this.partitionKey);
      const reply = await this.deps.sink.call(target.region, target.url, svc.target, svc.body(s.stream, pending.map((r) => r.data), key));
      if (this.drain.abandoned) return false;
      if (!reply.ok) {
        this.failed(reply.error, pending.length, retry);
        continue;
      }
      const result = recordErrors(reply.value, svc.resultsKey, pending.length);
      if (result === null) {
        this.failed(`the reply does not list the ${pending.length} records`, pending.length, retry);
        continue;
      }
      const sent = pending.filter((_r, i) => result.codes[i] === "");
      this.buffer.remove(sent.map((r) => r.key));
      if (sent.length > 0) this.deps.log.verbose(`${svc.name}: Successfully sent ${sent.length} out of ${pending.length} log records`);
      pending = pending.filter((_r, i) => result.codes[i] !== "");
      if (pending.length === 0) {
        this.recovered();
        return true;
      }
      this.failed(result.message, pending.length, retry);
    }
    return false;
  }

  /**
   * An outage is reported when it starts and when its reason changes, then
   * at verbose level: osquery logs an error per attempt, and each of those
   * status lines would be buffered and sent in turn.
   */
  private failed(reason: string, records: number, retry: number): void {
    this.failedAttempts++;
    const next = retry + 1 < MAX_ATTEMPTS ? `next attempt in ${retryDelayMs(retry + 1) / 1000} s` : "next attempt in the next period";
    const report = `${this.deps.service.name}: could not send ${records} log records: ${reason} (${this.buffer.count} lines kept, ${next})`;
    if (this.outage === reason) {
      this.deps.log.verbose(report);
    } else {
      this.outage = reason;
      this.deps.log.warning(report);
    }
  }

  private recovered(): void {
    if (this.outage === null) return;
    this.deps.log.info(`${this.deps.service.name}: sending logs again after ${this.failedAttempts} failed attempts`);
    this.outage = null;
    this.failedAttempts = 0;
  }
}
