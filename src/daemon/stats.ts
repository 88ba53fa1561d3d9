// Per-query performance statistics (INTERFACES §7), as osquery's
// recordQueryPerformance keeps them: wall time, the change in the process's
// own user/system CPU time (ms) and resident memory (bytes) across the run,
// output size. Memory is a running average of the positive changes.
import { flags } from "../flags/flags.ts";
import { scheduledName } from "./packs.ts";
import type { ScheduleRow } from "./state.ts";

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

/** What osquery_schedule needs of a config: its packs and its denylist. */
export interface ScheduleSource {
  packs(): readonly { readonly valid: boolean; readonly name: string; readonly queries: readonly { readonly name: string; readonly query: string; readonly interval: number }[] }[];
  isDenylisted(name: string): boolean;
}

/**
 * osquery_schedule's rows: every query of the valid packs under its scheduled
 * name, with the statistics `perfOf` has for it (the shell has none: all zero).
 */
export function scheduleRows(config: ScheduleSource, perfOf: (name: string, sql: string) => QueryPerformance): ScheduleRow[] {
  const delimiter = flags.get("pack_delimiter");
  const rows: ScheduleRow[] = [];
  for (const pack of config.packs()) {
    if (!pack.valid) continue;
    for (const q of pack.queries) {
      const name = scheduledName(pack.name, q.name, delimiter);
      const perf = perfOf(name, q.query);
      rows.push({
        name,
        query: q.query,
        interval: q.interval,
        executions: perf.executions,
        last_executed: perf.lastExecuted,
        denylisted: config.isDenylisted(name) ? 1 : 0,
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
      });
    }
  }
  return rows;
}
