// How an evented table reads its subscriber's rows (osquery's
// EventSubscriberPlugin::genTable): a `time` constraint narrows the scan;
// without one, a scheduled query in the daemon gets only the rows newer than
// its last run (events_optimize, marks in the `events` domain); expired rows
// are deleted as the table is read.
//
// osquery learns which scheduled query is reading from the executing_query
// key; osq's daemon runs each scheduled query inside runAsScheduledQuery, so
// a live query that runs meanwhile (on the same event loop) can never take
// the scheduled query's marks.
import { AsyncLocalStorage } from "node:async_hooks";
import { flags } from "../flags/flags.ts";
import { defineTable, Op, type QueryContext, type Table, type TableDefinition } from "../table.ts";
import { eventIndex, eventStore, eventsStore, type EventRange } from "./store.ts";
import type { EventRow } from "./types.ts";

const scheduled = new AsyncLocalStorage<string>();

/** Runs `fn` as the scheduled query `name`: its evented tables return only rows it has not had. */
export function runAsScheduledQuery<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return scheduled.run(name, fn);
}

/** Per subscriber: the longest interval of the scheduled queries that read it (osquery's minimum expiry). */
const minExpiry = new Map<string, number>();

/**
 * Rows are kept at least as long as the slowest scheduled query reading them
 * needs (osquery raises its expiry to the longest such interval).
 */
export function setMinimumExpiry(subscriber: string, seconds: number): void {
  minExpiry.set(subscriber, seconds);
}

/** The `time` constraints as a range of seconds, or null when there are none (osquery's genTable). */
export function timeRange(ctx: QueryContext): { start: number; stop: number } | null {
  const list = ctx.constraints.get("time") ?? [];
  if (list.length === 0) return null;
  let start = 0;
  let stop = Infinity;
  for (const c of list) {
    const t = Math.trunc(Number(c.expr));
    if (!Number.isFinite(t)) continue;
    if (c.op === Op.EQUALS) return { start: t, stop: t };
    if (c.op === Op.GREATER_THAN) start = Math.max(start, t + 1);
    else if (c.op === Op.GREATER_THAN_OR_EQUALS) start = Math.max(start, t);
    else if (c.op === Op.LESS_THAN) stop = Math.min(stop, t - 1);
    else if (c.op === Op.LESS_THAN_OR_EQUALS) stop = Math.min(stop, t);
  }
  return { start, stop };
}

/** The rows of `subscriber` (of `publisher`) that a query with `ctx` may need. */
export function readEvents(publisher: string, subscriber: string, ctx: QueryContext, now = Math.floor(Date.now() / 1000)): EventRow[] {
  const events = eventStore(publisher, subscriber);
  const expiry = flags.num("events_expiry");
  if (expiry > 0) events.expire(now - Math.max(expiry, minExpiry.get(subscriber) ?? 0));
  const range = timeRange(ctx);
  if (range) return events.read({ ...range, afterEid: 0 }).rows;
  const query = flags.bool("events_optimize") ? (scheduled.getStore() ?? "") : "";
  if (!query) return events.read({ start: 0, stop: Infinity, afterEid: 0 }).rows;
  const store = eventsStore();
  const markTime = Number(store.get("events", `optimize.${query}`) ?? 0) || 0;
  const markEid = Number(store.get("events", `optimize_eid.${query}`) ?? 0) || 0;
  const scan: EventRange = { start: markTime === 0 ? 0 : markTime - 1, stop: Infinity, afterEid: markEid };
  const result = events.read(scan);
  if (result.last) {
    const { time, eid } = result.last;
    // Committed before the rows are returned: a crash after this loses the
    // rows of this run from the log rather than logging them twice, as osquery.
    store.writeSync((w) => {
      w.put("events", `optimize.${query}`, String(time));
      w.put("events", `optimize_eid.${query}`, eventIndex(eid));
    });
  }
  return result.rows;
}

/** An evented table: its spec, reading the rows its subscriber stored. */
export function eventTable(def: Omit<TableDefinition, "generate" | "evented"> & { readonly publisher: string }): Table {
  const { publisher, ...spec } = def;
  return defineTable({ ...spec, evented: true, generate: (ctx) => readEvents(publisher, spec.name, ctx) });
}
