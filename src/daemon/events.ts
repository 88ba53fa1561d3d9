// The config as the event system reads it: file_paths, exclude_paths and
// file_accesses merged over every source and active pack (osquery's
// Config::files walks them all), and the `events` object's lists.
import type { EventsConfig, FileWatchConfig } from "../events/types.ts";
import type { Config } from "./config.ts";

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
