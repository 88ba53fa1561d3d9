// The messages between the main thread (scan_thread.ts) and yara_events'
// scan thread (scan_worker.ts).
import type { YaraRules } from "./engine.ts";
import type { FileScanResult } from "./file_scan.ts";

export type ScanThreadMessage =
  /** A rule set, sent once per thread before the first scan that uses it. */
  | { readonly kind: "rules"; readonly id: number; readonly rules: YaraRules }
  /** The config changed: the rule sets sent so far are not used again. */
  | { readonly kind: "forget" }
  /** Scan `path` with the rule sets `sets` (ids), in that order. */
  | { readonly kind: "scan"; readonly id: number; readonly path: string; readonly sets: readonly number[] };

export interface ScanReply {
  readonly id: number;
  readonly result: FileScanResult;
}
