// The logger plugin API (INTERFACES §5). Result lines and snapshot lines arrive
// already serialised (one JSON object per call); status lines arrive as
// records and each plugin renders them its own way.
import type { StatusLine } from "../../src/logger/status.ts";

/** A result or snapshot line as the daemon hands them over. */
export interface ResultLine {
  readonly kind: "result" | "snapshot";
  readonly line: string;
}

export interface LoggerPlugin {
  readonly name: string;
  /** Prepares the plugin; returns an error text when it cannot work at all. */
  setUp(): string | null;
  /** Called once logging starts, with the status lines buffered so far. */
  init(binary: string, buffered: readonly StatusLine[]): void;
  /** A result line (category "event"); throws when it cannot be written. */
  logString(line: string): void;
  /** A snapshot line; throws when it cannot be written. */
  logSnapshot(line: string): void;
  /**
   * A run's lines at once, all kept or none (throws): a plugin that commits
   * each line to disk takes them in one commit instead of one per line.
   * Plugins without it get logString / logSnapshot per line.
   */
  logLines?(lines: readonly ResultLine[]): void;
  /** Status lines; throws when it could not write them all (the status log then copies them to stderr). */
  logStatus(lines: readonly StatusLine[]): void;
  /** Ends work the plugin runs on its own (the tls plugin's drain loop) before the store closes. */
  stop?(): Promise<void>;
}
