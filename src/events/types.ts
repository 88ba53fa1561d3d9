// The event system's data (DESIGN "Events", INTERFACES §11): what publishers
// capture, what subscribers store, and what the config gives them. Kept free
// of behaviour so that publishers, subscribers, the store and the tables can
// all depend on it without depending on each other.

/** A stored event row: column → value, as osquery serialises a Row (strings, or numbers). */
export type EventRow = Record<string, string | number>;

/** Status lines of the event system; the daemon routes them to its status log. */
export interface EventLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  verbose(message: string): void;
}

/** The file_paths family of the config, merged over every source and active pack. */
export interface FileWatchConfig {
  /** category → globs as the config parser stores them (`%` → `*`, `%%` → `**`, absolute). */
  readonly filePaths: ReadonlyMap<string, readonly string[]>;
  /** category → patterns (a path, or a glob) whose events are dropped. */
  readonly excludePaths: ReadonlyMap<string, readonly string[]>;
  /** Categories that also get open and access events. */
  readonly fileAccesses: readonly string[];
}

/** What publishers and subscribers read from the config. */
export interface EventsConfig {
  readonly files: FileWatchConfig;
  /** The config's `events` object: subscribers (and, in osq, publishers) named there are turned on or off. */
  readonly enableSubscribers: readonly string[];
  readonly disableSubscribers: readonly string[];
  readonly disablePublishers: readonly string[];
  /** A top-level key's value from each source, for subscribers with their own config keys (e.g. yara). */
  section(key: string): readonly unknown[];
}

export const EMPTY_EVENTS_CONFIG: EventsConfig = {
  files: { filePaths: new Map(), excludePaths: new Map(), fileAccesses: [] },
  enableSubscribers: [],
  disableSubscribers: [],
  disablePublishers: [],
  section: () => [],
};

/** One osquery_events row. */
export interface EventStatusRow {
  readonly name: string;
  readonly publisher: string;
  readonly type: "publisher" | "subscriber";
  readonly subscriptions: number;
  readonly events: number;
  readonly refreshes: number;
  /** 1 running, 0 not, -1 when the publisher is missing. */
  readonly active: number;
}
