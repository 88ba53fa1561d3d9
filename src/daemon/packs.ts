// Packs and scheduled queries (INTERFACES §4, §7): how one pack object of the
// config becomes the queries the scheduler runs, with osquery's rules for
// platform, version, shard, intervals, splay and query options.
import * as v from "valibot";
import { compareBytes } from "../linux/glob.ts";
import { JsonObjectSchema, StringItemsSchema, readAs, type JsonObject } from "./config-text.ts";

/** The longest interval osquery accepts: one week. */
export const MAX_QUERY_INTERVAL = 604800;
/** startup_priority's default: the maximum uint64, meaning "no startup run". */
export const NO_STARTUP_PRIORITY = 2n ** 64n - 1n;

export interface ScheduledQuery {
  readonly pack: string;
  /** The bare name, as written in the pack. */
  readonly name: string;
  readonly query: string;
  readonly interval: number;
  readonly splayedInterval: number;
  readonly snapshot: boolean;
  readonly removed: boolean;
  readonly denylist: boolean;
  readonly startupPriority: bigint;
  /** osq's "timeout" key in seconds (0: none); without one, --query_timeout applies. */
  readonly timeout?: number;
  /** osq's "max_rows" key (0: none); without one, --query_max_rows applies. */
  readonly maxRows?: number;
}

export interface PackStats {
  total: number;
  hits: number;
  misses: number;
}

export class Pack {
  readonly stats: PackStats = { total: 0, hits: 0, misses: 0 };
  active = false;
  private discoveryCache: { time: number; result: boolean } = { time: 0, result: false };

  constructor(
    readonly name: string,
    readonly source: string,
    readonly platform: string,
    readonly version: string,
    readonly shard: number,
    /** False when the pack is excluded here (shard, platform or version). */
    readonly valid: boolean,
    readonly discovery: readonly string[],
    readonly queries: readonly ScheduledQuery[],
  ) {}

  /**
   * Whether the pack runs now: valid, and every discovery query returned a row
   * (evaluated at most once per pack_refresh_interval).
   */
  async shouldExecute(now: number, refreshInterval: number, returnsRows: (sql: string) => Promise<boolean>): Promise<boolean> {
    this.active = this.valid && (await this.checkDiscovery(now, refreshInterval, returnsRows));
    return this.active;
  }

  private async checkDiscovery(now: number, refreshInterval: number, returnsRows: (sql: string) => Promise<boolean>): Promise<boolean> {
    this.stats.total++;
    if (now - this.discoveryCache.time < refreshInterval) {
      this.stats.hits++;
      return this.discoveryCache.result;
    }
    this.stats.misses++;
    let result = true;
    for (const sql of this.discovery) {
      if (!(await returnsRows(sql))) {
        result = false;
        break;
      }
    }
    this.discoveryCache = { time: now, result };
    return result;
  }
}

/** The name results are stored and logged under: bare in "main", pack<d><pack><d><query> otherwise. */
export function scheduledName(pack: string, query: string, delimiter: string): string {
  return pack === "main" ? query : `pack${delimiter}${pack}${delimiter}${query}`;
}

// ---- value coercions (osquery's JSON::valueToSize / valueToBool) ----
// These stay hand-written, outside the valibot schemas: they are osquery's
// own conversions (strtoul on text, a double's bits), which accept any value
// and never reject one, so there is no shape to check.

const UINT64_LIMIT = 2n ** 64n;

/** The 64 bits rapidjson keeps for a number, read as an unsigned integer. */
function numberBits(value: number): bigint {
  if (Number.isSafeInteger(value)) return BigInt.asUintN(64, BigInt(value));
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
}

/**
 * osquery's valueToSize: a string goes through strtoul (leading space, a
 * sign that wraps, digits up to the first non-digit; no digits or overflow
 * give 0); a number is read with GetUint64, so a negative one wraps and a
 * fraction yields its IEEE-754 bits, far above any valid interval.
 */
export function valueToUint64(value: unknown): bigint {
  if (typeof value === "string") {
    const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(value);
    if (!m) return 0n;
    const n = BigInt(m[2] as string);
    if (n >= UINT64_LIMIT) return 0n;
    return m[1] === "-" ? BigInt.asUintN(64, -n) : n;
  }
  if (typeof value === "number") return numberBits(value);
  return 0n;
}

/** valueToUint64 as a number: exact up to 2^53, and larger values stay larger than any limit osquery checks. */
export function valueToSize(value: unknown): number {
  return Number(valueToUint64(value));
}

/** osquery's valueToBool: a number is read with GetInt, i.e. its low 32 bits. */
export function valueToBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return ["true", "t"].includes(value.toLowerCase());
  if (typeof value === "number") return BigInt.asUintN(32, numberBits(value)) !== 0n;
  return false;
}

// ---- host checks ----

/** osquery's checkPlatform: a substring match, so "linux,darwin" works. */
export function checkPlatform(platform: string): boolean {
  if (platform === "" || platform === "null") return true;
  if (platform.includes("any") || platform.includes("all")) return true;
  if (["linux", "ubuntu", "centos"].some((p) => platform.includes(p))) return true;
  return platform.includes("posix");
}

/** Whether `running` is at least `wanted`, comparing dotted numbers. */
export function versionAtLeast(wanted: string, running: string): boolean {
  const a = wanted.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const b = running.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return y > x;
  }
  return true;
}

function checkVersion(version: string, running: string): boolean {
  return version === "" || version === "null" || versionAtLeast(version, running);
}

/** The machine's shard: the first byte of SHA1(hostname), scaled to 0..100. */
export function machineShard(hostname: string): number {
  const first = Number.parseInt(new Bun.CryptoHasher("sha1").update(hostname).digest("hex").slice(0, 2), 16);
  return Math.floor((first * 100) / 255);
}

/**
 * osquery's splayValue: a uniform integer in [max(1, I-d), I+d] with d = ⌊I·p/100⌋.
 * A percent of 0 or above 100 leaves the interval as it is.
 */
export function splayValue(interval: number, percent: number, random: () => number = Math.random): number {
  if (percent === 0 || percent > 100) return interval;
  const d = Math.floor((interval * percent) / 100);
  const max = interval + d;
  const min = Math.max(1, interval - d);
  if (max === min) return max;
  return min + Math.floor(random() * (max - min + 1));
}

/** Query names osquery refuses: they would collide with its own database keys. */
export function isReservedQueryName(name: string): boolean {
  return (
    name.startsWith("query.") ||
    name.startsWith("cache.") ||
    name.startsWith("config_views.") ||
    name.endsWith("epoch") ||
    name.endsWith("counter")
  );
}

// ---- building a pack from its JSON ----

export interface PackEnv {
  readonly version: string;
  readonly machineShard: number;
  readonly defaultInterval: number;
  /** The splayed interval for a bare query name (restored or new). */
  splay(name: string, interval: number): number;
  warn(message: string): void;
  verbose(message: string): void;
}

const StringValue = v.string();
const QuerySchema = v.looseObject({ query: v.string() });

function optString(obj: JsonObject, key: string): string {
  return v.is(StringValue, obj[key]) ? obj[key] : "";
}

export function buildPack(name: string, source: string, obj: JsonObject, env: PackEnv): Pack {
  const shard = "shard" in obj ? valueToSize(obj.shard) : 0;
  const platform = optString(obj, "platform");
  const version = optString(obj, "version");
  const excluded = (shard > 0 && shard < env.machineShard) || !checkPlatform(platform) || !checkVersion(version, env.version);
  if (excluded) return new Pack(name, source, platform, version, shard, false, [], []);

  // Like osquery's Pack::initialize: non-string discovery items are dropped quietly.
  const discovery = readAs(StringItemsSchema, obj.discovery, []);

  const queries: ScheduledQuery[] = [];
  const seen = new Set<string>();
  if (!v.is(JsonObjectSchema, obj.queries)) {
    env.verbose(`No queries defined for pack ${name}`);
  } else {
    for (const [qname, q] of Object.entries(obj.queries)) {
      const built = buildQuery(name, qname, q, env);
      if (built && !seen.has(qname)) {
        seen.add(qname);
        queries.push(built);
      }
    }
  }
  // A pack's queries run in (startup_priority, name) order.
  queries.sort((a, b) => (a.startupPriority !== b.startupPriority ? (a.startupPriority < b.startupPriority ? -1 : 1) : compareBytes(a.name, b.name)));
  return new Pack(name, source, platform, version, shard, true, discovery, queries);
}

function buildQuery(pack: string, name: string, q: unknown, env: PackEnv): ScheduledQuery | null {
  // osquery logs a malformed query at verbose level only, and a reserved name as a warning, before that check.
  if (!v.is(JsonObjectSchema, q)) {
    env.verbose(`The pack ${pack} contains an invalid query: ${name}`);
    return null;
  }
  if ("shard" in q) {
    const shard = valueToSize(q.shard);
    if (shard > 0 && shard < env.machineShard) return null;
  }
  if (v.is(StringValue, q.platform) && !checkPlatform(q.platform)) return null;
  if (v.is(StringValue, q.version) && !checkVersion(q.version, env.version)) return null;
  if (isReservedQueryName(name)) {
    env.warn(`Query name is reserved and cannot be scheduled: ${name}`);
    return null;
  }
  if (!v.is(QuerySchema, q)) {
    env.verbose(`No query string defined for query ${name}`);
    return null;
  }
  if (q.query === "") {
    // osquery folds an empty query into its interval check.
    env.warn(`Query has invalid interval: ${name}: empty query`);
    return null;
  }
  const interval = "interval" in q ? valueToSize(q.interval) : env.defaultInterval;
  if (interval <= 0 || interval > MAX_QUERY_INTERVAL) {
    env.warn(`Query has invalid interval: ${name}: ${typeof q.interval === "string" ? q.interval : JSON.stringify(q.interval)}`);
    return null;
  }
  // Like interval, any value is read as a size: text without digits is 0, the first to run.
  const startupPriority = "startup_priority" in q ? valueToUint64(q.startup_priority) : NO_STARTUP_PRIORITY;
  const timeout = limitKey(q, "timeout", name, env);
  const maxRows = limitKey(q, "max_rows", name, env);
  return {
    pack,
    name,
    query: q.query,
    interval,
    splayedInterval: env.splay(name, interval),
    snapshot: "snapshot" in q ? valueToBool(q.snapshot) : false,
    removed: "removed" in q ? valueToBool(q.removed) : true,
    denylist: "denylist" in q ? valueToBool(q.denylist) : true,
    startupPriority,
    ...(timeout === null ? {} : { timeout }),
    ...(maxRows === null ? {} : { maxRows }),
  };
}

/**
 * One of osq's per-query limits, keys osquery ignores: a number of seconds
 * (fractions allowed) for "timeout", a whole number of rows for "max_rows",
 * also as text. Anything else is warned about and the flag applies.
 */
function limitKey(q: JsonObject, key: "timeout" | "max_rows", name: string, env: PackEnv): number | null {
  if (!(key in q)) return null;
  const raw = q[key];
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  const valid = typeof value === "number" && Number.isFinite(value) && value >= 0 && (key === "timeout" || Number.isInteger(value));
  if (valid) return value;
  env.warn(`Query ${name} has an invalid ${key}: ${JSON.stringify(raw)}; --query_${key} applies`);
  return null;
}
