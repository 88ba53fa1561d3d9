// The daemon's key/value store: osquery's database domains (DESIGN "Storage").
// One LMDB environment at --database_path, with a named database per domain;
// or, for --ephemeral / --disable_database, the same interface over Maps.
//
// Reads are synchronous (LMDB reads are memory-mapped and cheap). Writes are
// grouped in `write(fn)`: everything `fn` puts or deletes commits in one
// transaction, and the returned promise settles only once that transaction is
// on disk. The diff engine awaits it before a result line is logged, so a crash
// can lose a line but never log one twice.
//
// A failed commit (a full disk, EIO) rejects with a StoreError, changes
// nothing, and leaves the store usable: the next write may succeed.
//
// lmdb is imported lazily, only by `openStore`: the shell must not pay for it.

import { statfsSync } from "node:fs";
import { dirname } from "node:path";

export const DOMAINS = [
  "queries", // last results, epoch and counter per scheduled query
  "events", // time-ordered event rows per subscriber
  "logs", // buffered result and status lines for remote loggers
  "configurations", // node key, splay, executing query, denylist, instance id
  "query_performance", // per-query statistics
  "carves",
  "distributed", // live queries admitted and not yet answered
  "distributed_running", // the start time of each live query in progress, by SQL hash
  "query_analyses", // osq's own: each scheduled query's parsed analysis, by a hash of what it depends on
] as const;

export type Domain = (typeof DOMAINS)[number];

export interface StoreWriter {
  put(domain: Domain, key: string, value: string): void;
  del(domain: Domain, key: string): void;
}

/** How much of a key range to read, and from which end. */
export interface KeyScan {
  readonly limit?: number;
  /** Last key first. */
  readonly reverse?: boolean;
  /** Only keys at or after this one (event rows start a scan at a time). */
  readonly from?: string;
  /** Only keys before this one. */
  readonly before?: string;
}

function inBounds(k: string, scan: KeyScan): boolean {
  return (scan.from === undefined || k >= scan.from) && (scan.before === undefined || k < scan.before);
}

export interface Store {
  /** Where the store lives, or "" for an in-memory store. */
  readonly path: string;
  get(domain: Domain, key: string): string | undefined;
  /**
   * Keys of a domain in key order, optionally only those starting with
   * `prefix`; `scan` bounds how many and from which end (a buffer of a
   * million log lines is read a batch at a time, never all at once).
   */
  keys(domain: Domain, prefix?: string, scan?: KeyScan): string[];
  /** How many keys of a domain start with `prefix`, without reading them out. */
  count(domain: Domain, prefix?: string): number;
  /** Applies the writes `fn` makes atomically; resolves once they are durable. */
  write(fn: (w: StoreWriter) => void): Promise<void>;
  /**
   * `write`, for callers that must know before returning (a logger plugin's
   * logString throws when its line was not kept): durable on return, throws
   * a StoreError when the commit failed.
   */
  writeSync(fn: (w: StoreWriter) => void): void;
  close(): Promise<void>;
}

const ENOSPC = 28;
const PAGE = 4096;
/** The lock file (about 8 KiB) and a new data file (32 KiB), with room for the first commits. */
const MIN_FREE_AT_OPEN = 128 * 1024;

/** One put (a value) or delete (null). */
type StagedWrite = [Domain, string, string | null];

function stage(fn: (w: StoreWriter) => void): StagedWrite[] {
  const staged: StagedWrite[] = [];
  fn({ put: (d, k, v) => staged.push([d, k, v]), del: (d, k) => staged.push([d, k, null]) });
  return staged;
}

/**
 * An upper bound on what one commit adds to the data file: copy-on-write
 * rewrites every page on the path to each key (a few levels in osquery's
 * small domains), values beyond a page go to overflow pages, and the free
 * list and meta pages change too.
 */
function worstCaseBytes(staged: readonly StagedWrite[]): number {
  let bytes = 16 * PAGE;
  for (const [, k, v] of staged) bytes += 4 * PAGE + 2 * (Buffer.byteLength(k) + (v === null ? 0 : Buffer.byteLength(v)));
  return bytes;
}

/**
 * Bytes this process may still write on the store's filesystem, or null when
 * unknown. Root may use the blocks a filesystem reserves for it (ext4's 5%),
 * and osqueryd usually runs as root.
 */
function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(path);
    return (process.getuid?.() === 0 ? s.bfree : s.bavail) * s.bsize;
  } catch {
    // No answer only skips the up-front space check; LMDB reports its own errors.
    return null;
  }
}

/** A write that did not commit; the message is one line, fit for a status log. */
export class StoreError extends Error {
  constructor(
    message: string,
    /** errno when the operating system refused the write (28 for ENOSPC). */
    readonly errno: number | null = null,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** An in-memory store: --ephemeral, --disable_database and unit tests. */
export class MemoryStore implements Store {
  readonly path = "";
  private readonly data = new Map<Domain, Map<string, string>>(DOMAINS.map((d) => [d, new Map()]));

  get(domain: Domain, key: string): string | undefined {
    return this.data.get(domain)!.get(key);
  }

  keys(domain: Domain, prefix = "", scan: KeyScan = {}): string[] {
    if (scan.reverse && (scan.from !== undefined || scan.before !== undefined)) throw new Error("a bounded key scan runs forward");
    const sorted = [...this.data.get(domain)!.keys()].filter((k) => k.startsWith(prefix) && inBounds(k, scan)).sort();
    if (scan.reverse) sorted.reverse();
    return sorted.slice(0, scan.limit ?? Infinity);
  }

  count(domain: Domain, prefix = ""): number {
    let n = 0;
    for (const k of this.data.get(domain)!.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  write(fn: (w: StoreWriter) => void): Promise<void> {
    try {
      this.writeSync(fn);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  writeSync(fn: (w: StoreWriter) => void): void {
    // Staged first, so a throwing `fn` leaves nothing half-applied, as a transaction would.
    const staged = stage(fn);
    for (const [d, k, v] of staged) {
      if (v === null) this.data.get(d)!.delete(k);
      else this.data.get(d)!.set(k, v);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface LmdbRange {
  start?: string;
  end?: string;
  limit?: number;
  reverse?: boolean;
}

/** A range scan of the keys starting with `prefix`: up to the prefix with its last character bumped. */
function prefixRange(prefix: string): LmdbRange {
  if (!prefix) return {};
  return { start: prefix, end: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) };
}

/** The slice of lmdb-js this module uses, so the rest of osq never needs its types. */
interface LmdbDatabase {
  get(key: string): unknown;
  putSync(key: string, value: string): boolean;
  removeSync(key: string): boolean;
  getKeys(opts?: LmdbRange): Iterable<unknown>;
  getKeysCount(opts?: LmdbRange): number;
}

interface LmdbEnv {
  openDB(opts: { name: string; encoding: "string" }): LmdbDatabase;
  transactionSync<T>(fn: () => T): T;
  close(): Promise<void>;
}

class LmdbStore implements Store {
  constructor(
    readonly path: string,
    private readonly env: LmdbEnv,
    private readonly dbs: Map<Domain, LmdbDatabase>,
  ) {}

  get(domain: Domain, key: string): string | undefined {
    const v = this.dbs.get(domain)!.get(key);
    return typeof v === "string" ? v : undefined;
  }

  keys(domain: Domain, prefix = "", scan: KeyScan = {}): string[] {
    const db = this.dbs.get(domain)!;
    const limit = scan.limit !== undefined && Number.isFinite(scan.limit) ? scan.limit : undefined;
    const out: string[] = [];
    if (scan.from !== undefined || scan.before !== undefined) {
      // A bounded scan (forward only): the range is narrowed to the bounds, the prefix checked per key.
      if (scan.reverse) throw new Error("a bounded key scan runs forward");
      const range = prefixRange(prefix);
      const start = scan.from !== undefined && (range.start === undefined || scan.from > range.start) ? scan.from : range.start;
      const end = scan.before !== undefined && (range.end === undefined || scan.before < range.end) ? scan.before : range.end;
      for (const k of db.getKeys({ start, end, limit })) if (typeof k === "string" && k.startsWith(prefix)) out.push(k);
      return out;
    }
    if (!scan.reverse) {
      for (const k of db.getKeys({ ...prefixRange(prefix), limit })) if (typeof k === "string") out.push(k);
      return out;
    }
    // Reversed, lmdb-js starts at `start` (inclusive) and stops before `end`:
    // the bumped bound itself may come first and the bare prefix key is never
    // reached, so the one is skipped and the other checked on its own.
    const { start, end } = prefixRange(prefix);
    for (const k of db.getKeys({ start: end, end: start, reverse: true, limit: limit === undefined ? undefined : limit + 1 })) {
      if (typeof k === "string" && k.startsWith(prefix)) out.push(k);
    }
    if (prefix && db.get(prefix) !== undefined) out.push(prefix);
    return limit === undefined ? out : out.slice(0, limit);
  }

  count(domain: Domain, prefix = ""): number {
    return this.dbs.get(domain)!.getKeysCount(prefixRange(prefix));
  }

  // Synchronous on purpose: lmdb-js's asynchronous transaction() leaves a
  // failed commit's cause in a second promise that nobody awaits (an unhandled
  // rejection) and prints it with console.error; transactionSync throws it here.
  async write(fn: (w: StoreWriter) => void): Promise<void> {
    this.writeSync(fn);
  }

  writeSync(fn: (w: StoreWriter) => void): void {
    const staged = stage(fn);
    // LMDB must never meet ENOSPC: lmdb-js 3.5's report of a failed page write
    // overruns a 100-byte buffer, and the process dies of heap corruption a
    // few writes later. So a commit that might not fit is refused up front.
    const needed = worstCaseBytes(staged);
    const free = freeBytes(this.path);
    if (free !== null && free < needed) throw new StoreError("No space left on device", ENOSPC);
    try {
      this.env.transactionSync(() => {
        for (const [d, k, v] of staged) {
          if (v === null) this.dbs.get(d)!.removeSync(k);
          else this.dbs.get(d)!.putSync(k, v);
        }
      });
    } catch (e) {
      throw storeError(e);
    }
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/**
 * lmdb-js errors read "<strerror>: <where in the file>"; the first part is
 * what an operator needs. LMDB's C code has already printed its own note
 * about a failed page write to stderr, without a newline: end that line so
 * the next status line starts on its own.
 */
function storeError(e: unknown): StoreError {
  if (!(e instanceof Error)) return new StoreError(String(e));
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "number") return new StoreError(e.message.split("\n")[0] ?? "");
  if (e.message.includes("Attempting to write page")) process.stderr.write("\n");
  return new StoreError(e.message.split(": ")[0] ?? e.message, code);
}

/**
 * Opens (creating if needed) the LMDB environment at `path` with every domain.
 * A path with a file extension (the default osquery.db) is one data file plus
 * `<path>-lock`; a path without one is a directory, as lmdb-js lays them out.
 */
export async function openStore(path: string): Promise<Store> {
  // The only import of lmdb in osq: with two dynamic import sites, Bun's
  // chunk splitting (1.4.5) handed one of them a namespace whose `open` was
  // still undefined. Everything that needs LMDB comes through openStore.
  // LMDB maps its lock file: on a full filesystem the first touch of a page
  // of it is a SIGBUS, so a store that could not even be created is refused.
  const free = freeBytes(dirname(path));
  if (free !== null && free < MIN_FREE_AT_OPEN) throw new StoreError("No space left on device", ENOSPC);
  const { open } = await import("lmdb");
  const env = open({ path, maxDbs: 16 }) as unknown as LmdbEnv;
  const dbs = new Map<Domain, LmdbDatabase>();
  for (const d of DOMAINS) dbs.set(d, env.openDB({ name: d, encoding: "string" }));
  return new LmdbStore(path, env, dbs);
}
