// The config as the event system reads it: file_paths, exclude_paths and
// file_accesses merged over every source and active pack (osquery's
// Config::files walks them all), and the `events` object's lists.
import { SUBSCRIBERS } from "../events/catalogue.ts";
import { setMinimumExpiry } from "../events/read.ts";
import type { EventsConfig, FileWatchConfig } from "../events/types.ts";
import { filePathGlob, type Config, type ScheduledEntry } from "./config.ts";

/** What the expiry needs of a scheduled query. */
export type ScheduledSql = { readonly query: Pick<ScheduledEntry["query"], "query" | "interval" | "splayedInterval"> };

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
}

function eventsList(config: Config, key: string): string[] {
  const out: string[] = [];
  for (const doc of config.section("events").values()) {
    if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) out.push(...stringList((doc as Record<string, unknown>)[key]));
  }
  return out;
}

/** What file_paths_query needs: a way to run SQL, and where its errors go. */
export interface PathQueryEnv {
  runQuery(sql: string): Promise<{ readonly columns: readonly { readonly name: string }[]; readonly rows: readonly unknown[][] }>;
  error(message: string): void;
}

/**
 * file_paths_query: each query's `path` column becomes a path of its
 * category, with `%` wildcards as in file_paths (osquery's parser runs the
 * queries whenever the config is applied).
 */
export async function pathsFromQueries(config: Config | null, env: PathQueryEnv): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const files of config?.files().values() ?? []) {
    for (const [category, queries] of files.filePathsQuery) {
      for (const sql of queries) {
        let result;
        try {
          result = await env.runQuery(sql);
        } catch (e) {
          env.error(`Could not add file_paths using file_paths_query '${sql}': ${(e as Error).message}`);
          continue;
        }
        const col = result.columns.findIndex((c) => c.name === "path");
        for (const row of result.rows) {
          const path = col < 0 ? undefined : row[col];
          if (typeof path !== "string" || path === "") {
            env.error(`Cold not find non-empty 'path' column in the results of file_paths_query '${sql}'`);
            continue;
          }
          out.set(category, [...(out.get(category) ?? []), filePathGlob(path)]);
        }
      }
    }
  }
  return out;
}

export function eventsConfigOf(config: Config | null, queried: ReadonlyMap<string, readonly string[]> = new Map()): EventsConfig {
  const filePaths = new Map<string, string[]>();
  for (const [category, globs] of queried) filePaths.set(category, [...globs]);
  const excludePaths = new Map<string, string[]>();
  const fileAccesses = new Set<string>();
  for (const files of config?.files().values() ?? []) {
    for (const [category, globs] of files.filePaths) filePaths.set(category, [...(filePaths.get(category) ?? []), ...globs]);
    for (const [category, patterns] of files.excludePaths) excludePaths.set(category, [...(excludePaths.get(category) ?? []), ...patterns]);
    for (const category of files.fileAccesses) fileAccesses.add(category);
  }
  const fileWatch: FileWatchConfig = { filePaths, excludePaths, fileAccesses: [...fileAccesses] };
  return {
    files: fileWatch,
    enableSubscribers: config ? eventsList(config, "enable_subscribers") : [],
    disableSubscribers: config ? eventsList(config, "disable_subscribers") : [],
    disablePublishers: config ? eventsList(config, "disable_publishers") : [],
    section: (key) => (config ? [...config.section(key).values()] : []),
  };
}

/**
 * osquery keeps a subscriber's rows at least as long as the longest interval
 * of the scheduled queries that read it, so a query that runs less often
 * than events_expiry still gets every row. A query reads a subscriber when
 * its SQL names the table.
 */
export function applyScheduleToEvents(entries: readonly ScheduledSql[]): void {
  for (const { name } of SUBSCRIBERS) {
    const word = new RegExp(`\\b${name}\\b`, "i");
    let longest = 0;
    for (const e of entries) if (word.test(e.query.query)) longest = Math.max(longest, e.query.splayedInterval, e.query.interval);
    setMinimumExpiry(name, longest);
  }
}
