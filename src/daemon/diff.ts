// The diff engine (INTERFACES §6): what a scheduled query's run adds and removes
// relative to its previous run, with the epoch and counter that tell consumers
// whether a line is the full state (counter 0) or a change.
//
// State per query name lives in the `queries` domain under osquery's keys:
//   <name>          the last rows (JSON array of canonical rows, see rows.ts)
//   <name>epoch     the epoch those rows belong to
//   <name>counter   the counter of the last logged change
//   query.<name>    the SQL text last run under this name
// Every run's writes commit in one transaction, awaited before the caller logs:
// a crash may lose a line, never repeat one.
import type { Store, StoreWriter } from "../store/store.ts";
import { canonical, compareRows, fromCanonical, type TypedRow } from "./rows.ts";

export interface DiffResults {
  added: TypedRow[];
  removed: TypedRow[];
}

export interface DiffOutcome {
  readonly results: DiffResults;
  readonly counter: number;
  /** A new epoch (first run, or --schedule_epoch changed): the line is the full state. */
  readonly freshEpoch: boolean;
}

/** Status lines the engine emits, as osquery's Query class does. */
export interface DiffLog {
  info(message: string): void;
}

/** Multiset difference: rows present now but not before are added, the reverse removed. */
export function diffRows(previous: readonly string[], current: readonly TypedRow[]): DiffResults {
  const remaining = new Map<string, number>();
  for (const key of previous) remaining.set(key, (remaining.get(key) ?? 0) + 1);
  const added: TypedRow[] = [];
  for (const row of current) {
    const key = canonical(row);
    const n = remaining.get(key) ?? 0;
    if (n > 0) remaining.set(key, n - 1);
    else added.push(row);
  }
  const removed: TypedRow[] = [];
  for (const [key, n] of remaining) {
    if (n === 0) continue;
    const row = fromCanonical(key);
    for (let i = 0; i < n; i++) removed.push(row);
  }
  // osquery keeps the previous rows in a std::multiset, so leftovers come out sorted.
  removed.sort(compareRows);
  return { added, removed };
}

function sameEpoch(stored: string | undefined, epoch: string): boolean {
  try {
    return BigInt(stored ?? "0") === BigInt(epoch);
  } catch {
    // An epoch that is not a number (a hand-edited store) is never the
    // current one: the results are re-diffed from scratch, nothing is lost.
    return false;
  }
}

export class QueryState {
  constructor(
    private readonly store: Store,
    readonly name: string,
    readonly sql: string,
    private readonly log: DiffLog,
  ) {}

  /** Works out whether this run starts a new epoch, saving the SQL text on first sight or change. */
  private status(w: StoreWriter, epoch: string): { newEpoch: boolean } {
    const { store, name } = this;
    if (store.get("queries", name) === undefined) {
      this.log.info(`Storing initial results for new scheduled query: ${name}`);
      w.put("queries", `query.${name}`, this.sql);
      return { newEpoch: true };
    }
    if (!sameEpoch(store.get("queries", `${name}epoch`), epoch)) {
      this.log.info(`New Epoch ${epoch} for scheduled query ${name}`);
      return { newEpoch: true };
    }
    if (store.get("queries", `query.${name}`) !== this.sql) {
      // A changed SQL text is not a new baseline: the diff still runs against the old rows.
      this.log.info(`Scheduled query has been updated: ${name}`);
      w.put("queries", `query.${name}`, this.sql);
    }
    return { newEpoch: false };
  }

  /** The counter after an increment; a reset starts at `resetTo`. */
  private nextCounter(reset: boolean, resetTo: number): number {
    if (reset) return resetTo;
    const raw = this.store.get("queries", `${this.name}counter`);
    const n = raw === undefined ? NaN : Number(raw);
    return Number.isFinite(n) ? n + 1 : 0;
  }

  /** The normal path: diff against the stored rows. */
  async addNewResults(rows: readonly TypedRow[], epoch: string): Promise<DiffOutcome> {
    let outcome!: DiffOutcome;
    await this.store.write((w) => {
      const { newEpoch } = this.status(w, epoch);
      let results: DiffResults;
      let changed = true;
      if (!newEpoch) {
        const previous = JSON.parse(this.store.get("queries", this.name) ?? "[]") as string[];
        results = diffRows(previous, rows);
        changed = results.added.length > 0 || results.removed.length > 0;
      } else {
        results = { added: [...rows], removed: [] };
      }
      if (changed) {
        w.put("queries", this.name, JSON.stringify(rows.map(canonical)));
        w.put("queries", `${this.name}epoch`, epoch);
      }
      let counter = 0;
      if (changed || newEpoch) {
        counter = this.nextCounter(newEpoch, 0);
        w.put("queries", `${this.name}counter`, String(counter));
      }
      outcome = { results, counter, freshEpoch: newEpoch };
    });
    return outcome;
  }

  /**
   * The event-table path (events_optimize and an evented table in the query):
   * no diff and no stored rows; every row is added. The counter starts at 1 on
   * a new epoch, so consumers can tell it from a full state.
   */
  async addNewEvents(rows: readonly TypedRow[], epoch: string): Promise<DiffOutcome> {
    let outcome!: DiffOutcome;
    await this.store.write((w) => {
      const { newEpoch } = this.status(w, epoch);
      if (newEpoch) {
        w.put("queries", this.name, "[]");
        w.put("queries", `${this.name}epoch`, epoch);
      }
      let counter = 0;
      if (rows.length > 0) {
        counter = this.nextCounter(newEpoch, 1);
        w.put("queries", `${this.name}counter`, String(counter));
      }
      outcome = { results: { added: [...rows], removed: [] }, counter, freshEpoch: newEpoch };
    });
    return outcome;
  }
}
