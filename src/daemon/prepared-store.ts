// The daemon's database as the store of prepared queries (sql/analysis-cache.ts):
// a restarted worker reads its schedule's analyses back instead of loading the
// SQL parser. Entries are few (one per distinct query text), but texts change
// with configs over the years: past MAX_STORED the domain is emptied and
// refills with the queries in use.
import type { PreparedStore } from "../sql/analysis-cache.ts";
import type { Store } from "../store/store.ts";

const DOMAIN = "query_analyses";
const MAX_STORED = 1024;

export function preparedStoreOf(store: Store, onError: (message: string) => void): PreparedStore {
  return {
    get: (id) => store.get(DOMAIN, id),
    put: (id, value) => {
      const full = store.count(DOMAIN) >= MAX_STORED;
      const stale = full ? store.keys(DOMAIN) : [];
      // Not awaited: the query runs whether or not its analysis was kept.
      store
        .write((w) => {
          for (const k of stale) w.del(DOMAIN, k);
          w.put(DOMAIN, id, value);
        })
        .catch((e: unknown) => onError(`A query's analysis could not be stored: ${(e as Error).message}`));
    },
  };
}
