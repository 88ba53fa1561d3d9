// What the running daemon shows through the osquery_schedule and osquery_packs
// tables. Kept apart from the daemon itself so that table modules (which the
// shell loads too) import only this small module. The shell fills them from
// its --config_path config; otherwise both lists are empty.
export interface ScheduleRow {
  readonly name: string;
  readonly query: string;
  readonly interval: number;
  readonly executions: number;
  readonly last_executed: number;
  readonly denylisted: number;
  readonly output_size: number;
  readonly wall_time: number;
  readonly wall_time_ms: number;
  readonly last_wall_time_ms: number;
  readonly user_time: number;
  readonly last_user_time: number;
  readonly system_time: number;
  readonly last_system_time: number;
  readonly average_memory: number;
  readonly last_memory: number;
}

export interface PackRow {
  readonly name: string;
  readonly platform: string;
  readonly version: string;
  readonly shard: number;
  readonly discovery_cache_hits: number;
  readonly discovery_executions: number;
  readonly active: number;
}

export interface DaemonTables {
  /** Async: listing the schedule evaluates each pack's discovery, as osquery's does. */
  schedule(): Promise<ScheduleRow[]>;
  packs(): PackRow[];
}

export const daemonTables: DaemonTables = {
  schedule: async () => [],
  packs: () => [],
};
