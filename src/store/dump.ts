// --database_dump: every stored key as osquery's dumpDatabase prints it,
// `<domain>[<key>]: <value>` per line, domain by domain in osquery's order
// (configurations, queries, events, logs, carves, distributed, ...), keys in
// the store's order within a domain.
import { DOMAINS, type Domain, type Store } from "./store.ts";

/** osquery's kDomains order, restricted to the domains osq keeps; osq's own domain last. */
export const DUMP_ORDER: readonly Domain[] = [
  "configurations",
  "queries",
  "events",
  "logs",
  "carves",
  "distributed",
  "distributed_running",
  "query_performance",
  "query_analyses",
];

// A domain added to DOMAINS must be placed in the dump order too.
if (DUMP_ORDER.length !== DOMAINS.length) throw new Error("src/store/dump.ts: DUMP_ORDER does not list every domain");

export function dumpStore(store: Store, write: (text: string) => void): void {
  for (const domain of DUMP_ORDER) {
    const lines: string[] = [];
    for (const key of store.keys(domain)) {
      const value = store.get(domain, key);
      if (value !== undefined) lines.push(`${domain}[${key}]: ${value}\n`);
    }
    if (lines.length > 0) write(lines.join(""));
  }
}
