// The LXD REST API over its Unix socket, shared by the lxd_* tables, and the
// way osquery reads its JSON answers.
//
// osquery sends `GET <path>` to the socket named by its --lxd_socket flag
// (default /var/lib/lxd/unix.socket; snap installs use
// /var/snap/lxd/common/lxd/unix.socket), accepts only a "200 OK" or "202 OK"
// status, and reads the body into a boost property tree. Its rows then take
// fields with get<T>(key): a missing field, or one that does not convert
// (a bool that is not true/false/1/0, a number that is not one), throws and
// drops the row being built; fields read with a default never do. The
// accessors below throw MissingField in exactly those cases so the tables can
// mirror which rows (or which trailing columns) osquery loses.
import { flags } from "../flags/flags.ts";
import { getJsonOverUnix } from "./unix_http.ts";

export type LxdJson = null | boolean | number | string | LxdJson[] | { [key: string]: LxdJson };

export const DEFAULT_LXD_SOCKET = "/var/lib/lxd/unix.socket";

/** The socket from osquery's --lxd_socket flag once it is registered, else osquery's default. */
export function lxdSocketPath(): string {
  try {
    if (flags.has("lxd_socket")) return flags.get("lxd_socket") || DEFAULT_LXD_SOCKET;
  } catch {
    // no flag registry in this context
  }
  return DEFAULT_LXD_SOCKET;
}

const TIMEOUT_MS = 30_000;

/**
 * GETs `path` (e.g. "/1.0/containers") and returns the parsed body, or
 * undefined when the socket is absent, the call fails, the status is not
 * 200/202 or the body is not JSON (osquery skips the item in all of these).
 */
export async function lxdGet(path: string, socket: string): Promise<LxdJson | undefined> {
  return getJsonOverUnix<LxdJson>(`http://lxd${path}`, socket, { service: "LXD", okStatuses: [200, 202], timeoutMs: TIMEOUT_MS });
}

// ------------------------------------------------------- property-tree reads

/** A field osquery's get<T>() would not find or could not convert. */
export class MissingField extends Error {}

const isObject = (v: LxdJson | undefined): v is { [key: string]: LxdJson } => typeof v === "object" && v !== null && !Array.isArray(v);

/** A member that must exist (get_child); null members exist. */
export function child(v: LxdJson | undefined, key: string): LxdJson {
  if (!isObject(v) || !(key in v)) throw new MissingField(key);
  return v[key]!;
}

/** A node's value as the property tree holds it: JSON text for scalars, "" for objects and arrays. */
export function leaf(v: LxdJson): string {
  if (typeof v === "string") return v;
  if (v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

/** get<std::string>(key[, fallback]). */
export function text(v: LxdJson | undefined, key: string, fallback?: string): string {
  if (!isObject(v) || !(key in v)) {
    if (fallback === undefined) throw new MissingField(key);
    return fallback;
  }
  return leaf(v[key]!);
}

/** get<bool>(key): "true"/"false" or "1"/"0". */
export function bool(v: LxdJson | undefined, key: string): boolean {
  const s = text(v, key).trim();
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  throw new MissingField(key);
}

/** get<int>(key). */
export function int(v: LxdJson | undefined, key: string): number {
  const s = text(v, key).trim();
  const n = /^[-+]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new MissingField(key);
  return n;
}

const INT64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/**
 * get<uint64_t>(key) as a BIGINT column: osquery prints the unsigned number
 * and SQLite takes none above INT64_MAX, which become NULL.
 */
export function u64(v: LxdJson | undefined, key: string): bigint | null {
  const raw = isObject(v) && key in v ? v[key] : undefined;
  let n: bigint;
  if (typeof raw === "number") {
    // JSON numbers past 2^53 arrive rounded; their magnitude still decides NULL or not.
    if (!Number.isInteger(raw) || raw < 0) throw new MissingField(key);
    n = BigInt(raw);
    if (n > U64_MAX) n = U64_MAX; // 2^64 - 1 itself rounds up to 2^64
  } else {
    const s = text(v, key).trim();
    if (!/^\+?\d+$/.test(s)) throw new MissingField(key);
    n = BigInt(s);
  }
  if (n > U64_MAX) throw new MissingField(key);
  return n > INT64_MAX ? null : n;
}

/** A node's children in order: object members, or array items under the key "". */
export function items(v: LxdJson): [string, LxdJson][] {
  if (Array.isArray(v)) return v.map((x) => ["", x]);
  return isObject(v) ? Object.entries(v) : [];
}

/**
 * Runs the field reads of one step; a MissingField stops the step but keeps
 * what was already assigned (osquery fills its row as it goes).
 */
export function partial(step: () => void): void {
  try {
    step();
  } catch (e) {
    if (!(e instanceof MissingField)) throw e;
  }
}

/** The result of `build`, or null where a field is missing (osquery drops the row). */
export function rowOrNull<T>(build: () => T): T | null {
  try {
    return build();
  } catch (e) {
    if (e instanceof MissingField) return null;
    throw e;
  }
}

// ------------------------------------------------------------------ listings

/** The resource URLs a collection lists in "metadata" ([] when the call fails or the body has no list). */
export async function listUrls(path: string, socket: string): Promise<string[]> {
  const body = await lxdGet(path, socket);
  return rowOrNull(() => items(child(body, "metadata")).map(([, v]) => leaf(v))) ?? [];
}

/** Constraint values as osquery iterates them (a std::set of strings): in byte order. */
export function byteOrder(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A sub-resource of a listed URL ("/1.0/networks/lxdbr0" + "/state"), kept before any "?project=" query. */
export function subResource(url: string, suffix: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url + suffix : url.slice(0, q) + suffix + url.slice(q);
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping their order and dropping nulls. */
export async function mapInOrder<T, R>(list: readonly T[], limit: number, fn: (item: T) => Promise<R | null>): Promise<R[]> {
  const out: (R | null)[] = new Array(list.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      out[i] = await fn(list[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
  return out.filter((x): x is R => x !== null);
}
