// prometheus_metrics: samples scraped from the Prometheus text endpoints
// listed in the config's `prometheus_targets` ({"urls": [...], "timeout": s}).
//
// osquery's semantics: targets are scraped once per query (duplicates
// collapse, rows come in URL byte order), each GET follows redirects and may
// take `timeout` seconds (default 1); a failed target contributes nothing,
// but any body that arrives is read whatever its status. Every line that is
// not empty and does not start with '#' is split at spaces (empty pieces
// dropped): the first piece is metric_name (labels included, as written), the
// second metric_value; timestamp_ms is when the scrape finished, in Unix ms.
//
// The daemon and the shell (with --config_path) hand the config's sections to
// applyPrometheusTargets() whenever a config is applied; without targets the
// table is empty.
import { httpFetch, readBody } from "../../src/http.ts";
import { verbose } from "../../src/logger/glog.ts";
import { osquerySplit } from "../../src/linux/split.ts";
import { compareBytes } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "prometheus_metrics",
  columns: {
    target_name: "TEXT",
    metric_name: "TEXT",
    metric_value: "DOUBLE",
    timestamp_ms: "BIGINT",
  },
  generate: () => prometheusMetricsRows(),
});

/** osquery's default scrape timeout, in seconds. */
export const DEFAULT_PROMETHEUS_TIMEOUT = 1;

let targets: { urls: readonly string[]; timeoutSeconds: number } = { urls: [], timeoutSeconds: DEFAULT_PROMETHEUS_TIMEOUT };

/** Sets the targets from the config's prometheus_targets section (urls and optional timeout in seconds). */
export function setPrometheusTargets(urls: readonly string[], timeoutSeconds = DEFAULT_PROMETHEUS_TIMEOUT): void {
  targets = { urls: [...urls], timeoutSeconds };
}

/**
 * Takes the prometheus_targets section of each config source (source name →
 * value, in source order). As osquery's config parser keeps it, the last
 * source that has one wins; string urls are the targets and a whole number
 * `timeout` the seconds each may take. A section without urls leaves the
 * table empty.
 */
export function applyPrometheusTargets(sections: ReadonlyMap<string, unknown>): void {
  const last = [...sections.values()].at(-1);
  const section = typeof last === "object" && last !== null && !Array.isArray(last) ? (last as Record<string, unknown>) : {};
  const urls = Array.isArray(section.urls) ? section.urls.filter((u): u is string => typeof u === "string") : [];
  const timeout = section.timeout;
  const seconds = typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 0 ? timeout : DEFAULT_PROMETHEUS_TIMEOUT;
  setPrometheusTargets(urls, seconds);
}

export interface ScrapeResult {
  /** The response body ("" when the request failed). */
  readonly content: string;
  /** When the response arrived, in Unix milliseconds (0 when it failed). */
  readonly timestampMs: number;
}

/** GETs every distinct URL (concurrently), keyed and ordered by URL as osquery's std::map is. */
export async function scrapeTargets(urls: readonly string[], timeoutSeconds: number): Promise<Map<string, ScrapeResult>> {
  const unique = [...new Set(urls)].sort(compareBytes);
  const results = await Promise.all(
    unique.map(async (url): Promise<ScrapeResult> => {
      try {
        const res = await httpFetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutSeconds * 1000) });
        const content = (await readBody(res)).toString("utf8");
        return { content, timestampMs: Date.now() };
      } catch (e) {
        verbose("prometheus_metrics.cpp", `Failed to scrape ${url}: ${(e as Error).message}`);
        return { content: "", timestampMs: 0 };
      }
    }),
  );
  return new Map(unique.map((url, i) => [url, results[i]!]));
}

/** The samples of one exposition-format body: [metric_name, metric_value] per line osquery keeps. */
export function parsePrometheusText(content: string): [name: string, value: string][] {
  const out: [string, string][] = [];
  for (const line of content.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const parts = osquerySplit(line, " ");
    if (parts.length > 1) out.push([parts[0]!, parts[1]!]);
  }
  return out;
}

/**
 * A sample value as osquery's strtod() reads it into the DOUBLE column:
 * Prometheus' "+Inf"/"-Inf" are infinities, "NaN" becomes NULL in SQLite, and
 * other text that is not a number is left for the column coercion (NULL).
 */
export function doubleValue(text: string): number | string | null {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return null;
  return text;
}

/** Rows for scrape results, target by target. */
export function scrapeRows(results: ReadonlyMap<string, ScrapeResult>): Row[] {
  const rows: Row[] = [];
  for (const [target, result] of results) {
    for (const [name, value] of parsePrometheusText(result.content)) {
      rows.push({ target_name: target, metric_name: name, metric_value: doubleValue(value), timestamp_ms: result.timestampMs });
    }
  }
  return rows;
}

export async function prometheusMetricsRows(): Promise<Row[]> {
  if (targets.urls.length === 0) return [];
  return scrapeRows(await scrapeTargets(targets.urls, targets.timeoutSeconds));
}
