// What a failed query reports: osquery's message and the SQLite result code it
// exits with, plus the status lines osquery would log before it.

/** SQLite result codes osquery reports as exit codes. */
export const SQLITE_ERROR = 1;
export const SQLITE_AUTH = 23;
export const SQLITE_CONSTRAINT = 19;

export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: number = SQLITE_ERROR,
    /** Status lines osquery would log (as warnings) before the error. */
    readonly warnings: readonly string[] = [],
  ) {
    super(message);
  }
}
