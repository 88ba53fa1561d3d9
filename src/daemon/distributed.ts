// Live queries (osquery's Distributed and DistributedRunner, INTERFACES §8).
// Each check-in: read the server's work, run the discovery queries, keep the
// queries they admit in the `distributed` domain, run each one with a marker
// in `distributed_running`, send every answer in one write, then drop the
// markers older than --distributed_denylist_duration. The next check-in comes
// after --distributed_interval, or after 5 s while the server's `accelerate`
// window lasts.
//
// A marker that survives a crash names a query that killed the process: when
// that query text comes again it is answered as osquery answers it (status 1,
// "distributed query is denylisted") until the marker expires. The pending
// query is removed only once its answer exists, so the query that crashed is
// answered on the next start even if the server does not send it again
// (osquery drops it before running it, and the server hears nothing).
// A query during which the watchdog stopped the worker for a resource limit
// keeps its marker and stays pending even when it returns before the worker
// is killed, as the scheduler keeps executing_query: the next worker reports
// it as denylisted instead of running it again.
//
// Beyond osquery: a discovery query that fails does not fail the whole read;
// only the queries it gates are answered, each with an error (FLEET.md §2).
//
// The clock is injected, so tests drive the loop without waiting.
import type { QueryResult } from "../sql/engine.ts";
import type { Store } from "../store/store.ts";
import { errorMessage } from "../logger/glog.ts";
import { flags } from "../flags/flags.ts";
import type { DistributedPlugin } from "../../plugins/distributed/plugin.ts";
import { isJsonObject, type JsonObject } from "./config-text.ts";
import { valueText } from "./rows.ts";
import type { Clock } from "./scheduler.ts";
import { sampleResources, type ResourceSample } from "./stats.ts";

/** Seconds between check-ins while an `accelerate` window lasts (osquery's kDistributedAccelerationInterval). */
export const ACCELERATED_INTERVAL = 5;
/** Where osquery keeps the end of the `accelerate` window (its persistent settings domain). */
export const ACCELERATE_KEY = "distributed_accelerate_checkins_expire";
export const DENYLISTED_MESSAGE = "distributed query is denylisted";

/** osquery's Status::failure code, which every failed distributed query reports. */
const FAILURE = 1;

export interface DistributedSettings {
  /** --distributed_interval, in seconds. */
  readonly interval: number;
  /** --distributed_denylist_duration, in seconds. */
  readonly denylistDuration: number;
}

export interface DistributedLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  verbose(message: string): void;
}

export interface DistributedDeps {
  readonly plugin: DistributedPlugin;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: DistributedLog;
  runQuery(sql: string): Promise<QueryResult>;
  /** Read at each check-in: config options may change the flags. */
  settings(): DistributedSettings;
  /** The process's CPU and memory use; tests may replace it. */
  sample?(): ResourceSample;
  /** Whether the watchdog has told this worker it broke a limit (src/watchdog/worker.ts), asked after each query. */
  resourceLimitHit?(): Promise<boolean>;
}

interface Answer {
  readonly id: string;
  readonly rows: readonly JsonObject[];
  readonly status: number;
  readonly message: string;
  readonly stats: JsonObject;
}

/** The key of a query's running marker: osquery's hashQuery. */
export function queryKey(sql: string): string {
  return new Bun.CryptoHasher("sha256").update(sql).digest("hex");
}

/** A result row as osquery writes it back: SELECT column order, every value a string, NULL as "". */
function answerRow(names: readonly string[], row: readonly QueryResult["rows"][number][number][]): JsonObject {
  const out: JsonObject = {};
  names.forEach((name, i) => {
    const v = row[i] ?? null;
    out[name] = v === null ? "" : valueText(v);
  });
  return out;
}

function failed(id: string, message: string): Answer {
  return { id, rows: [], status: FAILURE, message, stats: {} };
}

export class DistributedRunner {
  /** Answers not yet accepted by the server; a failed write keeps them for the next one. */
  private answers: Answer[] = [];
  /** Admitted queries the store could not take: they still run in this process. */
  private readonly unsaved = new Map<string, string>();
  private stopped = false;

  constructor(private readonly deps: DistributedDeps) {}

  /** Ends the loop after the check-in in progress. */
  stop(): void {
    this.stopped = true;
    this.deps.clock.wake();
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      await this.checkIn();
      if (this.stopped) break;
      await this.deps.clock.sleep(this.pauseMs());
    }
  }

  /** One pass of osquery's DistributedRunner; never rejects. */
  async checkIn(): Promise<void> {
    try {
      await this.pull();
      await this.runPending();
      await this.flush();
      await this.cleanupExpired();
    } catch (e) {
      this.deps.log.error(`Distributed check-in failed: ${errorMessage(e)}`);
    }
  }

  /** How long to wait before the next check-in. */
  pauseMs(): number {
    const expire = Number(this.deps.store.get("configurations", ACCELERATE_KEY) ?? "-1");
    // osquery polls without pause at interval 0; osq waits a second, so a server that is down sees no request storm.
    const seconds = this.nowSeconds() > expire ? Math.max(1, this.deps.settings().interval) : ACCELERATED_INTERVAL;
    return seconds * 1000;
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }

  private async pull(): Promise<void> {
    const reply = await this.deps.plugin.getQueries();
    if (!reply.ok) {
      this.deps.log.warning(`Distributed read failed: ${reply.error}`);
      return;
    }
    await this.accept(reply.value);
  }

  /** osquery's acceptWork, with per-query errors where osquery fails the whole read. */
  private async accept(work: JsonObject): Promise<void> {
    const { log, store } = this.deps;
    const admitted = new Map<string, boolean>();
    const discoveryErrors = new Map<string, string>();
    if (isJsonObject(work.discovery)) {
      for (const [name, sql] of Object.entries(work.discovery)) {
        if (typeof sql !== "string" || sql === "" || name === "") {
          discoveryErrors.set(name, "Distributed discovery query is not a string");
          continue;
        }
        try {
          admitted.set(name, (await this.deps.runQuery(sql)).rows.length > 0);
        } catch (e) {
          const message = `Distributed discovery query has an SQL error: ${errorMessage(e)}`;
          log.warning(`${message} (${name}: ${sql})`);
          discoveryErrors.set(name, message);
        }
      }
    }
    const toRun = new Map<string, string>();
    if (isJsonObject(work.queries)) {
      for (const [name, sql] of Object.entries(work.queries)) {
        const discoveryError = discoveryErrors.get(name);
        if (discoveryError !== undefined) this.answers.push(failed(name, discoveryError));
        else if (typeof sql !== "string" || sql === "" || name === "") this.answers.push(failed(name, "Distributed query is not a string"));
        else if (admitted.get(name) !== false) toRun.set(name, sql);
      }
    }
    const accelerate = work.accelerate;
    const expire = typeof accelerate === "number" && Number.isInteger(accelerate) ? this.nowSeconds() + accelerate : null;
    if (accelerate !== undefined && expire === null) log.verbose("Failed to Accelerate: Timeframe is not an integer");
    if (expire !== null) log.info(`Accelerating distributed query checkins for ${String(accelerate)} seconds`);
    if (toRun.size === 0 && expire === null) return;
    try {
      await store.write((w) => {
        for (const [name, sql] of toRun) w.put("distributed", name, sql);
        if (expire !== null) w.put("configurations", ACCELERATE_KEY, String(expire));
      });
    } catch (e) {
      log.error(`Cannot store the distributed queries, running them from memory: ${errorMessage(e)}`);
      for (const [name, sql] of toRun) this.unsaved.set(name, sql);
    }
  }

  private async runPending(): Promise<void> {
    const { store } = this.deps;
    const pending = new Map<string, string>();
    for (const id of store.keys("distributed")) {
      const sql = store.get("distributed", id);
      if (sql !== undefined) pending.set(id, sql);
    }
    for (const [id, sql] of this.unsaved) pending.set(id, sql);
    for (const [id, sql] of pending) {
      const { answer, ran } = await this.runOne(id, sql);
      if (ran && (await this.deps.resourceLimitHit?.())) {
        // The worker is being stopped because of this query: its marker and its pending entry stay for the next worker.
        this.deps.log.verbose(`Resource limit hit during distributed query ${id}: kept as running`);
        return;
      }
      this.answers.push(answer);
      this.unsaved.delete(id);
      // A denylisted query keeps its marker: it stays denylisted until the marker expires.
      await this.write((w) => {
        w.del("distributed", id);
        if (ran) w.del("distributed_running", queryKey(sql));
      }, `Cannot clear the running distributed query ${id}`);
    }
  }

  private async runOne(id: string, sql: string): Promise<{ answer: Answer; ran: boolean }> {
    const { log, store } = this.deps;
    const key = queryKey(sql);
    const since = store.get("distributed_running", key);
    if (since !== undefined && !this.expired(since)) {
      log.verbose(`Not executing distributed denylisted query: "${sql}"`);
      return { answer: failed(id, DENYLISTED_MESSAGE), ran: false };
    }
    // Committed before the run, so that a query that kills the process is denylisted on the next start.
    await this.write((w) => w.put("distributed_running", key, String(this.nowSeconds())), `Failed to set distributed query as running: "${sql}"`);
    // --distributed_loginfo raises the line to INFO, where a logger plugin sees it, unless --verbose shows it anyway.
    if (!flags.bool("verbose") && flags.bool("distributed_loginfo")) log.info(`Executing distributed query: ${id}: ${sql}`);
    else log.verbose(`Executing distributed query: ${id}: ${sql}`);
    const sample = this.deps.sample ?? sampleResources;
    const before = sample();
    const t0 = this.deps.clock.now();
    let result: QueryResult | null = null;
    let message = "";
    try {
      result = await this.deps.runQuery(sql);
    } catch (e) {
      message = errorMessage(e);
      log.error(`Error executing distributed query: ${id}: ${message}`);
    }
    const wallMs = Math.max(0, Math.round(this.deps.clock.now() - t0));
    const after = sample();
    const stats = {
      wall_time_ms: wallMs,
      user_time: Math.max(0, after.userMs - before.userMs),
      system_time: Math.max(0, after.systemMs - before.systemMs),
      memory: Math.max(0, after.rss - before.rss),
    };
    if (!result) return { answer: { id, rows: [], status: FAILURE, message, stats }, ran: true };
    const names = result.columns.map((c) => c.name);
    return { answer: { id, rows: result.rows.map((r) => answerRow(names, r)), status: 0, message: "", stats }, ran: true };
  }

  /** osquery's serializeResults and flushCompleted: one write with every answer. */
  private async flush(): Promise<void> {
    if (this.answers.length === 0) return;
    const sent = this.answers;
    const queries: JsonObject = {};
    const statuses: JsonObject = {};
    const messages: JsonObject = {};
    const stats: JsonObject = {};
    for (const a of sent) {
      queries[a.id] = a.rows;
      statuses[a.id] = a.status;
      messages[a.id] = a.message;
      stats[a.id] = a.stats;
    }
    const reply = await this.deps.plugin.writeResults({ queries, statuses, messages, stats });
    if (reply.ok) {
      this.answers = this.answers.slice(sent.length);
      return;
    }
    this.deps.log.warning(`Distributed write failed, keeping the answers to ${sent.length} queries for the next check-in: ${reply.error}`);
  }

  private async cleanupExpired(): Promise<void> {
    const { store } = this.deps;
    const expired = store.keys("distributed_running").filter((k) => this.expired(store.get("distributed_running", k) ?? ""));
    if (expired.length === 0) return;
    this.deps.log.verbose(`Removing ${expired.length} expired running distributed queries`);
    await this.write((w) => {
      for (const k of expired) w.del("distributed_running", k);
    }, "Failed to remove expired running distributed queries");
  }

  /** osquery's denylistedQueryTimestampExpired: an unreadable timestamp counts as 0. */
  private expired(since: string): boolean {
    const t = /^\d+$/.test(since) ? Number(since) : 0;
    return this.nowSeconds() > t + this.deps.settings().denylistDuration;
  }

  private async write(fn: Parameters<Store["write"]>[0], what: string): Promise<void> {
    try {
      await this.deps.store.write(fn);
    } catch (e) {
      this.deps.log.error(`${what}: ${errorMessage(e)}`);
    }
  }
}
