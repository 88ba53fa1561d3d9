// What osquery's buffered loggers (tls, aws_kinesis, aws_firehose; its
// BufferedLogForwarder) share besides the buffer itself: how a status line is
// serialised, and the buffered_log_max purge.
import { calendarTime } from "../../src/daemon/results.ts";
import type { Clock } from "../../src/daemon/scheduler.ts";
import { errorMessage } from "../../src/logger/glog.ts";
import type { StatusLine } from "../../src/logger/status.ts";
import { LogBuffer } from "../../src/remote/log_buffer.ts";
import type { Store } from "../../src/store/store.ts";
import type { LoggerPlugin, ResultLine } from "./plugin.ts";
import { OSQUERY_VERSION } from "../../src/version.ts";

/** A status record as osquery's buffered loggers serialise it (INTERFACES §5), keys in order. */
export function statusJson(l: StatusLine, hostIdentifier: string, decorations: ReadonlyMap<string, string>, topLevel: boolean): string {
  const obj: Record<string, unknown> = {
    hostIdentifier,
    calendarTime: calendarTime(new Date(l.time)),
    unixTime: Math.floor(l.time / 1000),
    severity: l.severity,
    filename: l.filename,
    line: l.line,
    message: l.message,
    version: OSQUERY_VERSION,
  };
  if (decorations.size > 0) {
    if (topLevel) for (const [k, v] of decorations) obj[k] = v;
    else obj.decorations = Object.fromEntries(decorations);
  }
  return JSON.stringify(obj);
}

export interface PurgeLog {
  warning(message: string): void;
  verbose(message: string): void;
}

/**
 * buffered_log_max (0: no limit): the oldest lines of both types go first.
 * Room is left for the warning itself, which is buffered too; purging only
 * down to the limit would make that warning exceed it, and the next pass
 * purge and warn again, forever.
 */
export function purgeOverLimit(buffer: LogBuffer, max: number, log: PurgeLog, who: string): void {
  const count = buffer.count;
  if (max <= 0 || count <= max) return;
  let purged = 0;
  try {
    purged = buffer.purgeOldest(count - max + 1);
  } catch (e) {
    log.verbose(`${who} could not purge its buffer: ${errorMessage(e)}`);
    return;
  }
  log.warning(`Purging buffered logs limit (${max}) exceeded: ${count}; the ${purged} oldest lines were dropped`);
}

/** How long stop() waits for a request in flight before abandoning it (the TLS client's own timeout is 16 s). */
export const STOP_GRACE_MS = 2000;

/**
 * The loop both buffered senders run: one pass, then a period's sleep, until
 * stopped. stop() waits up to a grace period for a request in flight, then
 * marks the loop abandoned: a reply that comes later must no longer touch the
 * store (which is about to close), and its lines go again on the next run.
 */
export class DrainLoop {
  private stoppedFlag = false;
  private abandonedFlag = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly clock: Clock,
    private readonly periodMs: () => number,
  ) {}

  /** Set by stop(): a pass should end at its next step. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Set once stop() has returned: the store may be closed. */
  get abandoned(): boolean {
    return this.abandonedFlag;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stoppedFlag = true;
    this.clock.wake();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.loop ?? Promise.resolve(), grace]);
    clearTimeout(timer);
    this.abandonedFlag = true;
  }

  private async run(): Promise<void> {
    while (!this.stoppedFlag) {
      await this.pass();
      if (this.stoppedFlag) break;
      await this.clock.sleep(this.periodMs());
    }
  }
}

/** What a buffered sender needs to buffer lines; its drain pass is its own. */
export interface BufferedSenderDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly hostIdentifier: () => string;
  readonly decorations: () => ReadonlyMap<string, string>;
}

/** How the status lines of one sender are buffered, read at each call so config options apply. */
export interface StatusSettings {
  readonly sendStatus: boolean;
  readonly decorationsTopLevel: boolean;
}

/**
 * The logger side both buffered senders share: every line goes to the LMDB
 * buffer at once (results and snapshots alike, as osquery sends snapshots as
 * results; a run's lines in one commit), status lines as osquery's JSON, and
 * the drain loop starts at init and ends at stop. A subclass sends the batches.
 */
export abstract class BufferedSender implements LoggerPlugin {
  abstract readonly name: string;
  protected readonly buffer: LogBuffer;
  protected readonly drain: DrainLoop;

  constructor(
    private readonly sender: BufferedSenderDeps,
    bufferName: string | undefined,
    periodMs: () => number,
    private readonly statusSettings: () => StatusSettings,
  ) {
    this.buffer = new LogBuffer(sender.store, bufferName);
    this.drain = new DrainLoop(() => this.drainOnce(), sender.clock, periodMs);
  }

  abstract setUp(): string | null;

  /** One pass over the buffer: what the loop runs every period. */
  abstract drainOnce(): Promise<void>;

  /** Lines waiting in the store, of both types. */
  get buffered(): number {
    return this.buffer.count;
  }

  init(_binary: string, buffered: readonly StatusLine[]): void {
    this.logStatus(buffered);
    this.drain.start();
  }

  logString(line: string): void {
    this.buffer.append("result", [line]);
  }

  logSnapshot(line: string): void {
    this.buffer.append("result", [line]);
  }

  /** A run's lines in one commit: one fsync per run, not one per row. */
  logLines(lines: readonly ResultLine[]): void {
    this.buffer.append(
      "result",
      lines.map((l) => l.line),
    );
  }

  logStatus(lines: readonly StatusLine[]): void {
    const s = this.statusSettings();
    if (!s.sendStatus || lines.length === 0) return;
    const host = this.sender.hostIdentifier();
    const decorations = this.sender.decorations();
    this.buffer.append(
      "status",
      lines.map((l) => statusJson(l, host, decorations, s.decorationsTopLevel)),
    );
  }

  /** Ends the drain loop (see DrainLoop.stop). */
  stop(graceMs = STOP_GRACE_MS): Promise<void> {
    return this.drain.stop(graceMs);
  }
}
