// A value or the reason there is none, for calls whose callers must act on the
// reason (log it, pick a column value, tell "missing" from "unreadable")
// rather than only learn that something failed.

export type Result<T, E = Error> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Runs a call that throws and returns what it threw as the error. */
export function attempt<T>(fn: () => T): Result<T, Error> {
  try {
    return ok(fn());
  } catch (e) {
    return err(e instanceof Error ? e : new Error(String(e)));
  }
}

/** The value, or `fallback` on error. */
export function valueOr<T, E, F>(r: Result<T, E>, fallback: F): T | F {
  return r.ok ? r.value : fallback;
}
