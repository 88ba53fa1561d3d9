// Per-query limits (DESIGN "Limits"): a query past its time or row limit is
// stopped by itself, wherever it is. osquery has no such limit; its watchdog
// can only kill the whole worker.
//
// bun:sqlite has no sqlite3_interrupt and no progress handler, and a Worker's
// terminate() does not stop a thread inside sqlite3_step, so the deadline is
// checked cooperatively, in this thread, at every place a query can spend
// unbounded time:
//   - between generator calls, and around an async generator (a timer that
//     wins the race against its promise);
//   - inside SQLite, through a non-deterministic SQL function that throws
//     once the deadline has passed. SQLite calls it for every row it scans
//     of a materialised table (see MaterialisedTable) and for every step of
//     a recursive CTE (see checkpoints.ts), so a join or a recursion that
//     never yields a row is stopped too;
//   - between result rows, which are stepped one at a time and counted.
import type { Database } from "bun:sqlite";
import { flags } from "../flags/flags.ts";
import { QueryError, SQLITE_ERROR } from "./errors.ts";

export interface QueryLimits {
  /** Seconds the query may run; 0 for no limit. */
  readonly timeout: number;
  /** Result rows the query may return; 0 for no limit. */
  readonly maxRows: number;
}

export const NO_LIMITS: QueryLimits = { timeout: 0, maxRows: 0 };

/** The limits --query_timeout and --query_max_rows set for every query that has none of its own. */
export function flagLimits(): QueryLimits {
  return { timeout: flags.num("query_timeout"), maxRows: flags.num("query_max_rows") };
}

/** The SQL function SQLite calls at its checkpoints; its name cannot clash with osquery's functions. */
export const CHECKPOINT_FUNCTION = "osq_query_checkpoint";

/** Why a query was stopped, with what it had done by then. */
export class QueryStopped extends QueryError {
  constructor(
    readonly elapsedMs: number,
    readonly rows: number,
    /** The limit that stopped it, e.g. "timeout 1 s" or "max_rows 100". */
    readonly limit: string,
  ) {
    super(`query stopped after ${seconds(elapsedMs)} s, ${rows} rows (${limit})`, SQLITE_ERROR);
  }

  /** The status line for a named query: `query NAME stopped after N s, R rows (limit)`. */
  statusLine(name: string): string {
    return `query ${name} stopped after ${seconds(this.elapsedMs)} s, ${this.rows} rows (${this.limit})`;
  }
}

/** Seconds with at most one decimal: "1", "0.3". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/**
 * One query's limits while it runs. `check()` is cheap (one clock read) so
 * that it can run for every row SQLite scans.
 */
export class QueryBudget {
  private readonly started = performance.now();
  private readonly deadline: number;
  /** Result rows stepped so far. */
  rows = 0;

  constructor(readonly limits: QueryLimits) {
    this.deadline = limits.timeout > 0 ? this.started + limits.timeout * 1000 : Infinity;
  }

  /** Whether SQLite needs checkpoints: only a deadline can pass inside sqlite3_step. */
  get timed(): boolean {
    return this.deadline !== Infinity;
  }

  /** Milliseconds left before the deadline (Infinity without one). */
  remainingMs(): number {
    return this.deadline - performance.now();
  }

  /** Throws QueryStopped once the deadline has passed. */
  check(): void {
    if (performance.now() >= this.deadline) throw this.stopped(`timeout ${this.limits.timeout} s`);
  }

  /** Counts one result row; throws when it is one more than max_rows allows, or the deadline has passed. */
  countRow(): void {
    this.rows++;
    if (this.limits.maxRows > 0 && this.rows > this.limits.maxRows) throw this.stopped(`max_rows ${this.limits.maxRows}`);
    this.check();
  }

  stopped(limit: string): QueryStopped {
    return new QueryStopped(performance.now() - this.started, this.rows, limit);
  }

  /**
   * Registers the checkpoint function on a query database. It takes any
   * arguments so that a call naming a table's rowid is evaluated in that
   * table's loop, not hoisted to the outermost one.
   */
  register(db: Database): void {
    db.function(CHECKPOINT_FUNCTION, { deterministic: false, varargs: true }, (): number => {
      this.check();
      return 1;
    });
  }

  /**
   * Waits for `work` until the deadline: a generator awaiting I/O cannot hold
   * the query past it. The abandoned work's outcome is only logged.
   */
  async race<T>(work: Promise<T>, onLate: (e: unknown) => void): Promise<T> {
    if (!this.timed) return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.stopped(`timeout ${this.limits.timeout} s`)), Math.max(0, this.remainingMs()));
    });
    try {
      return await Promise.race([work, expired]);
    } catch (e) {
      if (e instanceof QueryStopped) work.catch(onLate);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}
