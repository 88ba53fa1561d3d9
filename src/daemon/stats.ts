// Per-query performance statistics (INTERFACES §7), as osquery's
// recordQueryPerformance keeps them: wall time, the change in the process's
// own user/system CPU time (ms) and resident memory (bytes) across the run,
// output size. Memory is a running average of the positive changes.
import type { PackRow, ScheduleRow } from "./state.ts";

export interface QueryPerformance {
  /** The SQL the figures belong to: a changed text starts them afresh. */
  sql: string;
  executions: number;
  lastExecuted: number;
  outputSize: number;
  wallTime: number;
  wallTimeMs: number;
  lastWallTimeMs: number;
  userTime: number;
  lastUserTime: number;
  systemTime: number;
  lastSystemTime: number;
  averageMemory: number;
  lastMemory: number;
}

export interface ResourceSample {
  /** CPU time in milliseconds. */
  readonly userMs: number;
  readonly systemMs: number;
  /** Resident set size in bytes. */
  readonly rss: number;
}

export function sampleResources(): ResourceSample {
  const cpu = process.cpuUsage();
  return { userMs: Math.floor(cpu.user / 1000), systemMs: Math.floor(cpu.system / 1000), rss: process.memoryUsage.rss() };
}

export function newPerformance(sql: string): QueryPerformance {
  return {
    sql,
    executions: 0,
    lastExecuted: 0,
    outputSize: 0,
    wallTime: 0,
    wallTimeMs: 0,
    lastWallTimeMs: 0,
    userTime: 0,
    lastUserTime: 0,
    systemTime: 0,
    lastSystemTime: 0,
    averageMemory: 0,
    lastMemory: 0,
  };
}

export function recordPerformance(
  p: QueryPerformance,
  run: { wallMs: number; size: number; before: ResourceSample; after: ResourceSample; now: number },
): void {
  const user = run.after.userMs - run.before.userMs;
  if (user > 0) {
    p.userTime += user;
    p.lastUserTime = user;
  }
  const system = run.after.systemMs - run.before.systemMs;
  if (system > 0) {
    p.systemTime += system;
    p.lastSystemTime = system;
  }
  const memory = run.after.rss - run.before.rss;
  if (memory > 0) {
    p.averageMemory = Math.floor((p.averageMemory * p.executions + memory) / (p.executions + 1));
    p.lastMemory = memory;
  }
  p.lastWallTimeMs = run.wallMs;
  p.wallTimeMs += run.wallMs;
  p.wallTime += Math.floor(run.wallMs / 1000);
  p.outputSize += run.size;
  p.executions += 1;
  p.lastExecuted = run.now;
}

/** One query as the config schedules it: the name results go under, its SQL and interval. */
export interface ScheduleEntry {
  readonly name: string;
  readonly query: { readonly query: string; readonly interval: number };
  readonly denylisted: boolean;
}

/**
 * osquery_schedule's rows for the queries the config schedules (only packs
 * that should run here, as osquery's Config::scheduledQueries gives them),
 * with the statistics `perfOf` has for each (the shell has none: all zero).
 */
export function scheduleRows(entries: readonly ScheduleEntry[], perfOf: (name: string, sql: string) => QueryPerformance): ScheduleRow[] {
  return entries.map(({ name, query: q, denylisted }) => {
    const perf = perfOf(name, q.query);
    return {
      name,
      query: q.query,
      interval: q.interval,
      executions: perf.executions,
      last_executed: perf.lastExecuted,
      denylisted: denylisted ? 1 : 0,
      output_size: perf.outputSize,
      wall_time: perf.wallTime,
      wall_time_ms: perf.wallTimeMs,
      last_wall_time_ms: perf.lastWallTimeMs,
      user_time: perf.userTime,
      last_user_time: perf.lastUserTime,
      system_time: perf.systemTime,
      last_system_time: perf.lastSystemTime,
      average_memory: perf.averageMemory,
      last_memory: perf.lastMemory,
    };
  });
}

/** What osquery_packs shows of a pack. */
export interface PackSource {
  readonly name: string;
  readonly platform: string;
  readonly version: string;
  readonly shard: number;
  readonly active: boolean;
  readonly stats: { readonly hits: number; readonly misses: number };
}

/** osquery_packs' rows: discovery hits and misses as osquery counts them. */
export function packRows(packs: readonly PackSource[]): PackRow[] {
  return packs.map((p) => ({
    name: p.name,
    platform: p.platform,
    version: p.version,
    shard: p.shard,
    discovery_cache_hits: p.stats.hits,
    discovery_executions: p.stats.misses,
    active: p.active ? 1 : 0,
  }));
}
