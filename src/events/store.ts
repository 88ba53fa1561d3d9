// Event rows in the store's `events` domain, one key per row:
//   data.<publisher>.<subscriber>.<time, 10 digits>.<eid, 10 digits>
// so keys sort by time and, within a second, by event id: a time range, the
// rows after an events_optimize mark, the expired and the overflowing batches
// are all key range scans. A batch is osquery's: the rows of one second.
//
// Rows added in one turn of the event loop are committed in one transaction
// right after it (a microtask): a publisher's whole read becomes one commit,
// and a row counts as stored only once its commit is on disk, so a crash
// loses at most the turn in progress.
import { MemoryStore, type Store } from "../store/store.ts";
import { errorMessage, verbose } from "../logger/glog.ts";
import type { EventRow } from "./types.ts";

const FILE = "events/store.ts";
const WIDTH = 10;
/** osquery applies events_max every 256 events added (kEventsCheckpoint). */
const CHECKPOINT = 256;
/** Rows kept for a store that refuses writes (a full disk) before the oldest are dropped. */
const MAX_PENDING = 100_000;
/**
 * Rows committed between two full garbage collections. Under a flood of
 * events the collector otherwise lets the heap grow to several times the
 * idle daemon's; a collection per 10,000 rows costs a few milliseconds.
 */
const COLLECT_EVERY = 10_000;
let sinceCollect = 0;

/** osquery's toIndex: at least 10 digits, zero-padded. */
export function eventIndex(n: number): string {
  return String(n).padStart(WIDTH, "0");
}

export interface EventRange {
  /** First second, inclusive (0: from the oldest). */
  readonly start: number;
  /** Last second, inclusive (Infinity: to the newest). */
  readonly stop: number;
  /** Rows with this event id or lower are skipped (an events_optimize mark). */
  readonly afterEid: number;
}

export interface EventRead {
  readonly rows: EventRow[];
  /** The last batch in the range and its last event id, or null when the range was empty. */
  readonly last: { readonly time: number; readonly eid: number } | null;
}

export class EventStore {
  private lastEid = 0;
  /** Rows per stored second, in time order (osquery's event index). */
  private readonly batches = new Map<number, number>();
  private times: number[] = [];
  private pending: [string, string][] = [];
  private commitQueued = false;
  private sinceCheckpoint = 0;
  private readonly prefix: string;
  /** Read at each checkpoint, so a config option applies at once. */
  maxBatches: () => number = () => 0;
  /** osquery logs a removal for events_max as a warning; the factory routes it to the status log. */
  warn: (message: string) => void = (m) => verbose(FILE, m);

  constructor(
    private readonly store: Store,
    /** `<publisher>.<subscriber>`, osquery's database namespace. */
    readonly namespace: string,
  ) {
    this.prefix = `data.${namespace}.`;
    this.index();
  }

  /** Rebuilds the index from the keys, as osquery does at start, dropping keys it cannot read. */
  private index(): void {
    const bad: string[] = [];
    for (const key of this.store.keys("events", this.prefix)) {
      const parsed = this.parseKey(key);
      if (!parsed) {
        bad.push(key);
        continue;
      }
      this.lastEid = Math.max(this.lastEid, parsed.eid);
      this.batches.set(parsed.time, (this.batches.get(parsed.time) ?? 0) + 1);
    }
    this.times = [...this.batches.keys()].sort((a, b) => a - b);
    if (bad.length > 0) {
      verbose(FILE, `Found ${bad.length} invalid events for subscriber ${this.namespace}`);
      this.store.write((w) => bad.forEach((k) => w.del("events", k))).catch((e: unknown) => verbose(FILE, `Cannot delete invalid events: ${errorMessage(e)}`));
    }
  }

  private parseKey(key: string): { time: number; eid: number } | null {
    const m = /^(\d+)\.(\d+)$/.exec(key.slice(this.prefix.length));
    if (!m) return null;
    const eid = Number(m[2]);
    return eid > 0 ? { time: Number(m[1]), eid } : null;
  }

  private key(time: number, eid: number): string {
    return `${this.prefix}${eventIndex(time)}.${eventIndex(eid)}`;
  }

  /** Stored rows (committed or about to be). */
  count(): number {
    let n = 0;
    for (const c of this.batches.values()) n += c;
    return n;
  }

  batchCount(): number {
    return this.times.length;
  }

  /** Adds a row at `time` (Unix seconds); its `time` and `eid` columns are set here, as osquery's addBatch sets them. */
  add(row: EventRow, time = Math.floor(Date.now() / 1000)): void {
    const eid = ++this.lastEid;
    const stored = { ...row, time: String(time), eid: eventIndex(eid) };
    this.pending.push([this.key(time, eid), JSON.stringify(stored)]);
    const n = this.batches.get(time);
    this.batches.set(time, (n ?? 0) + 1);
    if (n === undefined) this.insertTime(time);
    if (++this.sinceCheckpoint >= CHECKPOINT) {
      this.sinceCheckpoint = 0;
      this.removeOverflow(this.maxBatches());
    }
    if (!this.commitQueued) {
      this.commitQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private insertTime(time: number): void {
    const last = this.times[this.times.length - 1];
    if (last === undefined || time > last) {
      this.times.push(time);
      return;
    }
    // The clock stepped back: keep the index sorted.
    let i = this.times.length;
    while (i > 0 && this.times[i - 1]! > time) i--;
    this.times.splice(i, 0, time);
  }

  /** Commits the rows added so far. On a failed commit they stay queued for the next one. */
  flush(): void {
    this.commitQueued = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    try {
      this.store.writeSync((w) => {
        for (const [k, v] of batch) w.put("events", k, v);
      });
      this.pending = [];
      sinceCollect += batch.length;
      if (sinceCollect >= COLLECT_EVERY) {
        sinceCollect = 0;
        Bun.gc(true);
      }
    } catch (e) {
      verbose(FILE, `Cannot store ${batch.length} events of ${this.namespace}, retrying with the next ones: ${errorMessage(e)}`);
      if (batch.length > MAX_PENDING) {
        const dropped = batch.length - MAX_PENDING;
        this.pending = batch.slice(dropped);
        verbose(FILE, `Dropped the ${dropped} oldest unstored events of ${this.namespace}`);
      }
    }
  }

  /** Rows in `range`, oldest first. */
  read(range: EventRange): EventRead {
    this.flush();
    if (range.start > range.stop || range.stop < 0) return { rows: [], last: null };
    const from = range.start > 0 ? `${this.prefix}${eventIndex(range.start)}.` : undefined;
    const before = Number.isFinite(range.stop) ? `${this.prefix}${eventIndex(range.stop + 1)}.` : undefined;
    const rows: EventRow[] = [];
    let last: { time: number; eid: number } | null = null;
    const bad: string[] = [];
    for (const key of this.store.keys("events", this.prefix, { from, before })) {
      const parsed = this.parseKey(key);
      if (!parsed) continue;
      last = parsed;
      if (parsed.eid <= range.afterEid) continue;
      const text = this.store.get("events", key);
      let row: unknown = null;
      try {
        row = text === undefined ? null : JSON.parse(text);
      } catch {
        // An unreadable row is deleted below, as osquery deletes the events it cannot deserialise.
      }
      if (row === null || typeof row !== "object") {
        bad.push(key);
        continue;
      }
      rows.push(row as EventRow);
    }
    if (bad.length > 0) {
      this.store.write((w) => bad.forEach((k) => w.del("events", k))).catch((e: unknown) => verbose(FILE, `Cannot delete invalid events: ${errorMessage(e)}`));
      verbose(FILE, `Found ${bad.length} invalid events of ${this.namespace}`);
    }
    return { rows, last };
  }

  /**
   * Deletes the batches older than `cutoff` (Unix seconds), but never the
   * newest one: the event ids continue from the stored ones after a restart.
   */
  expire(cutoff: number): number {
    let n = 0;
    while (n < this.times.length - 1 && this.times[n]! < cutoff) n++;
    return this.dropOldest(n);
  }

  /** Deletes the oldest batches beyond `max` (0: no limit); osquery logs each removal as a warning. */
  removeOverflow(max: number): number {
    if (max <= 0 || this.times.length <= max) return 0;
    const removed = this.dropOldest(this.times.length - max);
    this.warn(`Removed ${removed} event batches for subscriber: ${this.namespace} (limit: ${max})`);
    return removed;
  }

  private dropOldest(batches: number): number {
    if (batches <= 0) return 0;
    this.flush();
    const through = this.times[batches - 1]!;
    const gone = this.times.splice(0, batches);
    for (const t of gone) this.batches.delete(t);
    const keys = this.store.keys("events", this.prefix, { before: `${this.prefix}${eventIndex(through + 1)}.` });
    try {
      this.store.writeSync((w) => keys.forEach((k) => w.del("events", k)));
    } catch (e) {
      verbose(FILE, `Cannot delete ${keys.length} old events of ${this.namespace}: ${errorMessage(e)}`);
    }
    return gone.length;
  }
}

let current: Store = new MemoryStore();
const opened = new Map<string, EventStore>();

/** The daemon's store replaces the shell's in-memory one (before any publisher starts). */
export function useEventsStore(store: Store): void {
  current = store;
  opened.clear();
}

export function eventsStore(): Store {
  return current;
}

/** The rows of one subscriber, in the current store. */
export function eventStore(publisher: string, subscriber: string): EventStore {
  const namespace = `${publisher}.${subscriber}`;
  let s = opened.get(namespace);
  if (!s) {
    s = new EventStore(current, namespace);
    opened.set(namespace, s);
  }
  return s;
}

/** Commits every subscriber's queued rows (at shutdown). */
export function flushEventStores(): void {
  for (const s of opened.values()) s.flush();
}
