// Carve records: one JSON object per requested carve in the store's `carves`
// domain under `carves.<guid>`, shaped as osquery keeps them (INTERFACES §12),
// so the carves table, the carve() function and the carver agree. Kept apart
// from the carver so the table and the SQL function load only this.
//
// The shell has no daemon store, so its records live in an in-memory store
// (osqueryi's ephemeral database); the daemon points the module at its own.
import { randomUUID } from "node:crypto";
import { MemoryStore, type Store } from "../store/store.ts";
import { errorMessage, verbose } from "../logger/glog.ts";

export const CARVE_KEY_PREFIX = "carves.";
export const STATUS_SCHEDULED = "SCHEDULED";
export const STATUS_SUCCESS = "SUCCESS";

export interface CarveRecord {
  readonly carve_guid: string;
  /** Unix seconds of the request; the expiry of a successful carve counts from it. */
  readonly time: number;
  readonly status: string;
  readonly sha256: string;
  /** Bytes uploaded, -1 until the archive exists. */
  readonly size: number;
  readonly request_id: string;
  /** The carved paths, joined with "," when there are several. */
  readonly path: string;
}

let current: Store = new MemoryStore();
/** Writes the carve() function started and could not await (SQL functions are synchronous). */
const inFlight = new Set<Promise<void>>();

/** The daemon's store replaces the shell's in-memory one. */
export function useCarveStore(store: Store): void {
  current = store;
}

export function carveStore(): Store {
  return current;
}

/** Resolves once every record written by carve() so far is in the store. */
export async function settled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

export function newCarveGuid(): string {
  return randomUUID();
}

/**
 * Records a carve of `paths` with status SCHEDULED and returns its guid; the
 * carver picks it up on its next pass. Paths are kept sorted and unique, as
 * osquery's std::set keeps them.
 */
export function requestCarve(store: Store, paths: Iterable<string>, requestId: string, now: number): { guid: string; written: Promise<void> } {
  const guid = newCarveGuid();
  const record: CarveRecord = {
    carve_guid: guid,
    time: now,
    status: STATUS_SCHEDULED,
    sha256: "",
    size: -1,
    request_id: requestId,
    path: [...new Set(paths)].sort().join(","),
  };
  const written = store.write((w) => w.put("carves", CARVE_KEY_PREFIX + guid, JSON.stringify(record)));
  return { guid, written };
}

/** requestCarve for callers that cannot wait (the carve() SQL function). */
export function requestCarveLater(paths: Iterable<string>, requestId: string, now: number): string {
  const { guid, written } = requestCarve(current, paths, requestId, now);
  const tracked: Promise<void> = written
    .catch((e: unknown) => verbose("carves.ts", `Failed to record carve ${guid}: ${errorMessage(e)}`))
    .finally(() => inFlight.delete(tracked));
  inFlight.add(tracked);
  return guid;
}

/** A stored value as a record, or null when it is not one (osquery deletes those). */
export function parseCarve(text: string): CarveRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.status !== "string" || typeof o.carve_guid !== "string") return null;
  const size = typeof o.size === "number" ? o.size : typeof o.size === "string" ? Number(o.size) : -1;
  return {
    carve_guid: o.carve_guid,
    time: typeof o.time === "number" ? o.time : 0,
    status: o.status,
    sha256: typeof o.sha256 === "string" ? o.sha256 : "",
    size: Number.isFinite(size) ? size : -1,
    request_id: typeof o.request_id === "string" ? o.request_id : "",
    path: typeof o.path === "string" ? o.path : "",
  };
}

/** Every record in key order; unparsable values are skipped (the carver deletes them). */
export function listCarves(store: Store): { key: string; record: CarveRecord | null }[] {
  return store.keys("carves", CARVE_KEY_PREFIX).map((key) => {
    const text = store.get("carves", key);
    return { key, record: text === undefined ? null : parseCarve(text) };
  });
}

/** Changes some fields of a stored record; a record that is gone stays gone. */
export async function updateCarve(store: Store, guid: string, fields: Partial<Omit<CarveRecord, "carve_guid">>): Promise<void> {
  const key = CARVE_KEY_PREFIX + guid;
  const text = store.get("carves", key);
  const record = text === undefined ? null : parseCarve(text);
  if (!record) {
    verbose("carves.ts", `Failed to update carve ${guid}: no such record`);
    return;
  }
  await store.write((w) => w.put("carves", key, JSON.stringify({ ...record, ...fields })));
}
