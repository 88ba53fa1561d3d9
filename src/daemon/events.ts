// The config as the event system reads it: file_paths, exclude_paths and
// file_accesses merged over every source and active pack (osquery's
// Config::files walks them all), and the `events` object's lists.
import { SUBSCRIBERS } from "../events/catalogue.ts";
import { setMinimumExpiry } from "../events/read.ts";
import type { EventsConfig, FileWatchConfig } from "../events/types.ts";
import type { Config, ScheduledEntry } from "./config.ts";

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

export function eventsConfigOf(config: Config | null): EventsConfig {
  const filePaths = new Map<string, string[]>();
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
