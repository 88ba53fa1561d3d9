// One running daemon: config → schedule → query path → diff → loggers.
// Each scheduled run (osquery's launchQuery): the `always` decorators, the
// query with its resource use measured, then either a snapshot line or the
// diff against the stored state (committed first) and the result lines.
import { flags } from "../flags/flags.ts";
import { runtime } from "../runtime.ts";
import { hostIdentifier } from "../identity.ts";
import { lookupTable } from "../registry.ts";
import { runAsScheduledQuery } from "../events/read.ts";
import type { QueryResult } from "../sql/engine.ts";
import type { Store } from "../store/store.ts";
import type { StatusLog } from "../logger/status.ts";
import { errorMessage } from "../logger/glog.ts";
import type { LoggerPlugin, ResultLine } from "../../plugins/logger/plugin.ts";
import type { Config, ScheduledEntry } from "./config.ts";
import { Decorators } from "./decorators.ts";
import { QueryState, type DiffOutcome } from "./diff.ts";
import { batchLine, calendarTime, eventLines, snapshotLine, type LineOptions, type QueryLogItem } from "./results.ts";
import { escapeRow, resultSize, typedRows, valueText } from "./rows.ts";
import { dueQueries } from "./scheduler.ts";
import { daemonTables } from "./state.ts";
import { newPerformance, recordPerformance, sampleResources, scheduleRows, packRows, type QueryPerformance } from "./stats.ts";

const FILE = "scheduler.ts";


type PendingLine = ResultLine;

export interface DaemonDeps {
  readonly store: Store;
  readonly loggers: readonly LoggerPlugin[];
  readonly status: StatusLog;
  runQuery(sql: string, views: ReadonlyMap<string, string>): Promise<QueryResult>;
  /** Unix time in seconds. */
  now(): number;
}

export class Daemon {
  config: Config | null = null;
  readonly decorators: Decorators;
  private readonly performance = new Map<string, QueryPerformance>();
  /** Result lines a logger plugin failed to take, oldest first. */
  private readonly backlog = new Map<LoggerPlugin, PendingLine[]>();
  /** Names of the scheduled queries that have run in this process (startup_priority runs each once). */
  private readonly ran = new Set<string>();

  constructor(private readonly deps: DaemonDeps) {
    this.decorators = new Decorators((sql) => this.decoratorRow(sql));
  }

  /** Publishes this daemon's schedule and packs to the osquery_* tables. */
  publishTables(): void {
    daemonTables.schedule = () => this.scheduleRows();
    daemonTables.packs = () => packRows(this.config?.packs() ?? []);
  }

  /**
   * One scheduler tick: due queries, then the 60-second decorators. A failing
   * query costs that query's run, not the tick: each failure is one status
   * line and the next query still runs.
   */
  async tick(i: number): Promise<void> {
    const config = this.config;
    if (config?.valid) {
      let entries: ScheduledEntry[] = [];
      try {
        entries = await config.scheduledQueries();
      } catch (e) {
        this.deps.status.error(FILE, `Cannot read the schedule: ${errorMessage(e)}`);
      }
      for (const entry of dueQueries(entries, i, this.ran)) {
        try {
          await this.launch(entry);
        } catch (e) {
          this.deps.status.error(FILE, `Error running scheduled query ${entry.name}: ${errorMessage(e)}`);
        }
      }
    }
    if (i % 60 === 0 && !flags.bool("disable_decorators")) {
      try {
        await this.decorators.runInterval(i);
      } catch (e) {
        this.deps.status.error("decorators.ts", `Interval decorators failed: ${errorMessage(e)}`);
      }
    }
  }

  hostIdentifier(): string {
    return hostIdentifier();
  }

  /** osquery's launchQuery. */
  async launch(entry: ScheduledEntry): Promise<void> {
    const { status, store } = this.deps;
    const { name, query } = entry;
    if (status.verboseEnabled) status.verbose(FILE, `Executing scheduled query ${name}: ${query.query}`);
    else if (flags.bool("schedule_lognames")) status.info(FILE, `Executing scheduled query ${name}`);
    if (!flags.bool("disable_decorators")) await this.decorators.runAlways();

    const result = await this.monitor(name, query.query);
    if (!result) return;

    const now = this.deps.now();
    const item = {
      name,
      hostIdentifier: this.hostIdentifier(),
      calendarTime: calendarTime(new Date(now * 1000)),
      unixTime: now,
      epoch: flags.get("schedule_epoch"),
      counter: 0,
      decorations: flags.bool("disable_decorators") ? new Map<string, string>() : this.decorators.current(),
      results: { added: [], removed: [] },
      snapshot: null,
    } satisfies QueryLogItem;

    let rows = typedRows(result.columns, result.rows);
    if (query.snapshot) {
      this.logSnapshot({ ...item, snapshot: rows });
      return;
    }
    // Comparisons and stores use the escaped text, as osquery's do.
    rows = rows.map(escapeRow);
    const state = new QueryState(store, name, query.query, { info: (m) => status.info("query.ts", m) });
    const evented =
      flags.bool("events_optimize") && result.tables.some((t) => lookupTable(t)?.evented === true);
    let outcome: DiffOutcome;
    try {
      outcome = evented ? await state.addNewEvents(rows, item.epoch) : await state.addNewResults(rows, item.epoch);
    } catch (e) {
      // osquery's worker exits here and its watchdog starts a new one; osq has
      // one process, so it skips this run instead. Nothing was committed, so
      // nothing is logged: the next run that commits diffs against the same
      // stored rows and reports every change once.
      status.error(FILE, `Error adding new results to database for query ${name}: ${errorMessage(e)}`);
      return;
    }
    const results = { added: outcome.results.added, removed: query.removed ? outcome.results.removed : [] };
    const empty = results.added.length === 0 && results.removed.length === 0;
    // Nothing changed: nothing to log, unless this is a first (counter 0) full state.
    if (empty && (evented || !outcome.freshEpoch)) return;
    status.verbose(FILE, `Found results for query: ${name}`);
    this.logResults({ ...item, counter: outcome.counter, results });
  }

  /** Runs the query, recording the executing query and its resource use (osquery's monitor). */
  private async monitor(name: string, sql: string): Promise<QueryResult | null> {
    const { store, status } = this.deps;
    const startedAt = this.deps.now();
    // Recorded before the run so that a crash inside it denylists the query on restart.
    // When the store cannot take it, the query still runs: its diff reports the store's failure.
    await store
      .write((w) => {
        w.put("configurations", "executing_query", name);
        w.put("configurations", `timestamp.${name}`, String(startedAt));
      })
      .catch((e: unknown) => status.verbose(FILE, `Cannot record ${name} as the executing query: ${errorMessage(e)}`));
    const before = sampleResources();
    const t0 = performance.now();
    let result: QueryResult | null = null;
    let error: string | null = null;
    try {
      // Its evented tables give it only the rows it has not had yet (events_optimize).
      result = await runAsScheduledQuery(name, () => this.deps.runQuery(sql, this.config?.views() ?? new Map()));
    } catch (e) {
      error = (e as Error).message;
    }
    const wallMs = Math.round(performance.now() - t0);
    const after = sampleResources();
    let perf = this.performance.get(name);
    if (!perf || perf.sql !== sql) {
      perf = newPerformance(sql);
      this.performance.set(name, perf);
    }
    const size = result ? resultSize(result.columns, result.rows) : 0;
    recordPerformance(perf, { wallMs, size, before, after, now: this.deps.now() });
    const snapshot = perf;
    await store
      .write((w) => {
        // A worker stopped for a resource limit leaves the query recorded, for the next worker to denylist.
        if (!runtime.resourceLimitHit) w.put("configurations", "executing_query", "");
        w.put("query_performance", name, JSON.stringify(snapshot));
      })
      .catch((e: unknown) => status.verbose(FILE, `Cannot save the performance of ${name}: ${errorMessage(e)}`));
    if (error !== null) {
      status.error(FILE, `Error executing scheduled query ${name}: ${error}`);
      return null;
    }
    return result;
  }

  private options(): LineOptions {
    return { numerics: flags.bool("logger_numerics"), decorationsTopLevel: flags.bool("decorations_top_level") };
  }

  private logResults(item: QueryLogItem): void {
    if (flags.bool("disable_logging")) return;
    const opts = this.options();
    const lines = flags.bool("logger_event_type") ? eventLines(item, opts) : [batchLine(item, opts)];
    this.write(item.name, lines, "result");
  }

  private logSnapshot(item: QueryLogItem): void {
    if (flags.bool("disable_logging")) return;
    const opts = this.options();
    const lines = flags.bool("logger_snapshot_event_type") ? eventLines(item, opts) : [snapshotLine(item, opts)];
    this.write(item.name, lines, "snapshot");
  }

  /**
   * Hands the lines to every plugin. A plugin that fails gets one status line
   * per run (osquery's worker would exit here; osq's one process goes on),
   * the other plugins still get the lines, and the lines it did not take wait
   * in order, before its next ones: their state is committed already, so
   * they would never be produced again. buffered_log_max bounds the wait.
   */
  private write(name: string, lines: readonly string[], kind: PendingLine["kind"]): void {
    for (const plugin of this.deps.loggers) {
      const queue = this.backlog.get(plugin) ?? [];
      for (const line of lines) queue.push({ kind, line });
      let sent = 0;
      try {
        if (plugin.logLines) {
          plugin.logLines(queue);
          sent = queue.length;
        } else {
          for (const p of queue) {
            if (p.kind === "snapshot") plugin.logSnapshot(p.line);
            else plugin.logString(p.line);
            sent++;
          }
        }
      } catch (e) {
        this.deps.status.error(FILE, `Error logging the results of query: ${name}: ${errorMessage(e)}`);
      }
      const rest = queue.slice(sent);
      const max = flags.num("buffered_log_max");
      if (max > 0 && rest.length > max) {
        const dropped = rest.splice(0, rest.length - max);
        this.deps.status.warning(FILE, `Dropped the ${dropped.length} oldest result lines ${plugin.name} could not take (buffered_log_max ${max})`);
      }
      if (rest.length > 0) this.backlog.set(plugin, rest);
      else this.backlog.delete(plugin);
    }
  }

  /** A decorator query's first row as text (NULL as ""), or null when it fails or is empty. */
  private async decoratorRow(sql: string): Promise<Record<string, string> | null> {
    let result: QueryResult;
    try {
      result = await this.deps.runQuery(sql, this.config?.views() ?? new Map());
    } catch (e) {
      this.deps.status.warning("decorators.ts", `Decorator query failed (${sql}): ${(e as Error).message}`);
      return null;
    }
    if (result.rows.length > 1) this.deps.status.warning("decorators.ts", `Multiple rows returned for decorator query: ${sql}`);
    const first = result.rows[0];
    if (!first) return null;
    const out: Record<string, string> = {};
    result.columns.forEach((c, i) => {
      const val = first[i] ?? null;
      out[c.name] = val === null ? "" : valueText(val);
    });
    return out;
  }

  /**
   * The queries the scheduler would consider now: packs whose discovery fails
   * are left out (osquery's Config::scheduledQueries skips packs that should not execute).
   */
  private async scheduleRows() {
    const config = this.config;
    if (!config) return [];
    return scheduleRows(await config.scheduledQueries(), (name, sql) => {
      const p = this.performance.get(name);
      return p && p.sql === sql ? p : newPerformance(sql);
    });
  }
}
