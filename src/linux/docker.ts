// The Docker Engine API over its Unix socket (HTTP/1.1 GET, JSON bodies),
// shared by the docker_* tables, plus the conventions osquery applies to it:
// which constraint values may be sent as filters (hex ids up to 64 chars),
// how a prefix id from the query is echoed back in rows, and how JSON values
// read when a field is missing or of another type.
import { flags } from "../flags/flags.ts";
import { getJsonOverUnix } from "./unix_http.ts";

export type DockerJson = null | boolean | number | string | DockerJson[] | { [key: string]: DockerJson };

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** The socket path from osquery's --docker_socket flag (default /var/run/docker.sock). */
export function dockerSocketPath(): string {
  try {
    return flags.get("docker_socket") || DEFAULT_DOCKER_SOCKET;
  } catch {
    // No flag registry (the table used outside the shell or daemon): osquery's default socket applies.
    return DEFAULT_DOCKER_SOCKET;
  }
}

/** How long one API call may take; stats with stream=false alone takes about a second. */
const TIMEOUT_MS = 30_000;

/**
 * GETs `path` (e.g. "/containers/json?all=1") from the daemon behind
 * `socket` and returns the parsed body; undefined when the socket is absent,
 * the call fails, the status is not 200 or the body is not JSON (osquery
 * treats all of these as "no data").
 */
export async function dockerApi(path: string, socket: string = dockerSocketPath()): Promise<DockerJson | undefined> {
  return getJsonOverUnix<DockerJson>(`http://localhost${path}`, socket, { service: "Docker", okStatuses: [200], timeoutMs: TIMEOUT_MS });
}

// ------------------------------------------------------------ JSON access

export function isObject(v: DockerJson | undefined): v is { [key: string]: DockerJson } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A nested member by dotted path ("HostConfig.Privileged"). */
export function at(v: DockerJson | undefined, path: string): DockerJson | undefined {
  let cur = v;
  for (const part of path.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Text of a member: strings as is, numbers and booleans as text, anything else "". */
export function text(v: DockerJson | undefined, path: string): string {
  const x = at(v, path);
  return typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? String(x) : "";
}

/** A numeric member (numbers or numeric text), `fallback` otherwise. */
export function num(v: DockerJson | undefined, path: string, fallback = 0): number {
  const x = at(v, path);
  if (typeof x === "number") return x;
  if (typeof x === "string" && /^-?\d+(\.\d+)?$/.test(x.trim())) return Number(x);
  return fallback;
}

/** A boolean member as 1/0 ("true"/"1" text counts as true, as a property tree reads it). */
export function flag(v: DockerJson | undefined, path: string): number {
  const x = at(v, path);
  return x === true || x === "true" || x === 1 || x === "1" ? 1 : 0;
}

/** The items of an array member ([] for null or a missing member). */
export function list(v: DockerJson | undefined, path?: string): DockerJson[] {
  const x = path === undefined ? v : at(v, path);
  return Array.isArray(x) ? x : [];
}

/** The entries of an object member ([] for null or a missing member). */
export function entries(v: DockerJson | undefined, path?: string): [string, DockerJson][] {
  const x = path === undefined ? v : at(v, path);
  return isObject(x) ? Object.entries(x) : [];
}

/** Text items of a list joined with `sep` (osquery joins Entrypoint/Env with ", "). */
export function joined(v: DockerJson | undefined, path: string, sep: string): string {
  return list(v, path)
    .map((x) => (typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? String(x) : ""))
    .join(sep);
}

// ------------------------------------------------------ osquery conventions

/** Only hex strings of at most 64 characters (an id or its prefix) are sent to the daemon. */
export function isIdPrefix(value: string): boolean {
  return value.length <= 64 && /^[0-9a-fA-F]*$/.test(value);
}

/**
 * osquery's getQuery (osquery/tables/applications/posix/docker.cpp): with no
 * `=` constraint on `key` there is no query string at all, so container
 * lists hold running containers only; with one, "?[all=1&]filters=" +
 * {"key":{"v1":true,...}} of the values (sorted, unique) that are hex of at
 * most 64 characters, possibly none. `items` are the values sent.
 */
export function filterQuery(key: string, values: readonly string[], addAll: boolean): { query: string; items: Set<string> } {
  const items = new Set<string>();
  if (values.length === 0) return { query: "", items };
  for (const v of [...new Set(values)].sort()) if (isIdPrefix(v)) items.add(v);
  // Built by hand: a JS object would reorder integer-like hex keys.
  const inner = [...items].map((v) => `${JSON.stringify(v)}:true`).join(",");
  const filters = encodeURIComponent(`{${JSON.stringify(key)}:{${inner}}}`);
  return { query: `?${addAll ? "all=1&" : ""}filters=${filters}`, items };
}

/**
 * An id as rows report it: "sha256:" dropped, and replaced by the query's
 * prefix when one matches, so `WHERE id = '<short id>'` keeps the row, as
 * Docker itself accepts short ids.
 */
export function idValue(raw: string, items: ReadonlySet<string>): string {
  const value = raw.startsWith("sha256:") ? raw.slice(7) : raw;
  for (const item of items) if (value.startsWith(item)) return item;
  return value;
}

/** Reads the inode numbers of /proc/<pid>/ns/* links ("net:[4026531992]" → "4026531992"). */
export function namespaceInode(link: string | null): string | undefined {
  const m = link ? /\[(\d+)\]$/.exec(link) : null;
  return m ? m[1] : undefined;
}

/** A Docker timestamp ("2024-05-01T16:08:43.661631023Z") as Unix seconds and nanoseconds. */
export function parseDockerTime(value: string): { seconds: number; nanos: number } | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(value.trim());
  if (!m) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let seconds = Math.floor(d.getTime() / 1000);
  const zone = m[8];
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    seconds -= sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  }
  const nanos = Number((m[7] ?? "").padEnd(9, "0").slice(0, 9));
  return { seconds, nanos };
}
