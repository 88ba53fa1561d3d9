// osquery's SQL extension functions, registered on a bun:sqlite Database.
//
// Each function follows osquery's behaviour (osquery/sql/sqlite_*.cpp):
// which argument types it accepts, when it yields NULL and when it fails the
// query, and the exact message. SQLite itself rejects a wrong number of
// arguments ("wrong number of arguments to function split()") because every
// fixed-arity function is registered with its exact arity, as osquery does.
//
// A failing function throws SQLFunctionError; bun:sqlite ends the statement
// and re-throws it from the call that ran the query.
//
// Functions are registered with `safeIntegers` so that an argument's JS type
// tells its SQLite storage class exactly: bigint = INTEGER, number = REAL,
// string = TEXT, Uint8Array = BLOB, null = NULL. osquery checks those classes
// (community_id_v1 wants INTEGER ports, in_cidr_block TEXT addresses), and
// converts values to text the way SQLite does (an INTEGER 1 is "1", a REAL
// 1.0 is "1.0").

import { Database } from "bun:sqlite";
import { osquerySplit } from "../linux/split.ts";
import { osqueryVersionCompare, type OsqueryVersionFlavor } from "./versions.ts";
import { flags } from "../flags/flags.ts";
import { newCarveGuid, requestCarveLater } from "../remote/carves.ts";

/** An error raised by an extension function; its message is osquery's. */
export class SQLFunctionError extends Error {
  override readonly name = "SQLFunctionError";
}

type SqlValue = bigint | number | string | Uint8Array | null;
type SqlResult = bigint | number | string | Uint8Array | null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

// ---------------------------------------------------------------------------
// SQLite's value conversions (what sqlite3_value_text/double/int return)
// ---------------------------------------------------------------------------

// SQLite's REAL-to-text rendering has version-specific digit rules; rather
// than imitate them, ask SQLite. A private connection is needed because the
// calling one is busy running the statement that called us.
let realFormatter: { get(x: number): unknown } | undefined;
function realToText(x: number): string {
  realFormatter ??= new Database(":memory:").query("SELECT CAST(CAST(?1 AS REAL) AS TEXT) AS t");
  const row = realFormatter.get(x) as { t: string } | null;
  return row?.t ?? String(x);
}

function asText(v: SqlValue): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return realToText(v);
  return decoder.decode(v);
}

/** The value as a C string: osquery builds std::string from a char*, so text stops at a NUL. */
function asCString(v: SqlValue): string | null {
  const s = asText(v);
  if (s === null) return null;
  const nul = s.indexOf("\0");
  return nul >= 0 ? s.slice(0, nul) : s;
}

/** The bytes sqlite3_value_text + sqlite3_value_bytes would give. */
function asBytes(v: SqlValue): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v;
  return encoder.encode(asText(v) ?? "");
}

const SQLITE_SPACE = /^[ \t\n\f\r\v]*/;
const FLOAT_PREFIX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const INT_PREFIX = /^[+-]?\d+/;

/** sqlite3_value_double: numbers as they are, text by its longest numeric prefix (else 0). */
function asDouble(v: SqlValue): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const text = (typeof v === "string" ? v : decoder.decode(v)).replace(SQLITE_SPACE, "");
  const m = FLOAT_PREFIX.exec(text);
  return m ? Number.parseFloat(m[0]) : 0;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const clampInt64 = (n: bigint): bigint => (n < INT64_MIN ? INT64_MIN : n > INT64_MAX ? INT64_MAX : n);

/** sqlite3_value_int64: REAL truncated and saturated, text by its integer prefix. */
function asInt64(v: SqlValue): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return 0n;
    if (v <= -9223372036854775808) return INT64_MIN;
    if (v >= 9223372036854775807) return INT64_MAX;
    return BigInt(Math.trunc(v));
  }
  const text = (typeof v === "string" ? v : decoder.decode(v)).replace(SQLITE_SPACE, "");
  const m = INT_PREFIX.exec(text);
  return m ? clampInt64(BigInt(m[0])) : 0n;
}

/** sqlite3_value_int: the low 32 bits of the 64-bit value. */
const asInt32 = (v: SqlValue): number => Number(BigInt.asIntN(32, asInt64(v)));

// ---------------------------------------------------------------------------
// String functions
// ---------------------------------------------------------------------------

/** osquery refuses regexes longer than --regex_max_size bytes. */
const regexMaxSize = (): number => flags.num("regex_max_size");
const regexCache = new Map<string, RegExp>();

/** Compiles with ECMAScript syntax, which is also std::regex's default grammar. */
function compileRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "g");
    if (regexCache.size >= 128) regexCache.clear();
    regexCache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

/**
 * Splits like std::sregex_token_iterator with submatch -1: the text before
 * each match; then the rest after the last match unless that rest is empty;
 * the whole input (even empty) when nothing matches. After an empty match the
 * search moves on one character, so an empty-matching pattern splits between
 * characters.
 */
export function regexSplit(input: string, re: RegExp): string[] {
  const global = re.global ? re : new RegExp(re.source, "g");
  const pieces: string[] = [];
  let pieceStart = 0;
  let from = 0;
  let matched = false;
  while (from <= input.length) {
    global.lastIndex = from;
    const m = global.exec(input);
    if (!m) break;
    matched = true;
    pieces.push(input.slice(pieceStart, m.index));
    const end = m.index + m[0].length;
    pieceStart = end;
    if (m[0].length > 0) {
      from = end;
      continue;
    }
    // Empty match: try for a non-empty match right here, else step over one character.
    if (end >= input.length) break;
    const sticky = new RegExp(re.source, "y");
    sticky.lastIndex = end;
    const here = sticky.exec(input);
    if (here && here[0].length > 0) {
      pieces.push("");
      pieceStart = end + here[0].length;
      from = pieceStart;
      continue;
    }
    from = end + 1;
  }
  if (!matched) return [input];
  if (pieceStart < input.length) pieces.push(input.slice(pieceStart));
  return pieces;
}

const byteLength = (s: string): number => encoder.encode(s).length;

function splitCommon(
  input: SqlValue,
  token: SqlValue,
  index: SqlValue,
  splitter: (input: string, token: string) => string[],
): string | null {
  if (input === null || token === null || index === null) return null;
  const text = asCString(input) ?? "";
  const tok = asCString(token) ?? "";
  const i = asInt32(index); // a negative index is out of range, as osquery's size_t cast makes it
  if (tok.length === 0) throw new SQLFunctionError("Invalid input to split function");
  const pieces = splitter(text, tok);
  return i >= 0 && i < pieces.length ? (pieces[i] as string) : null;
}

function regexSplitValue(input: SqlValue, pattern: SqlValue, index: SqlValue): string | null {
  return splitCommon(input, pattern, index, (text, tok) => {
    if (byteLength(tok) > regexMaxSize()) throw new SQLFunctionError("Invalid regex");
    let re: RegExp;
    try {
      re = compileRegex(tok);
    } catch {
      throw new SQLFunctionError("Invalid regex");
    }
    return regexSplit(text, re);
  });
}

function regexMatchValue(input: SqlValue, pattern: SqlValue, index: SqlValue): string | null {
  if (input === null || pattern === null || index === null) return null;
  const text = asCString(input) ?? "";
  const source = asCString(pattern) ?? "";
  const i = asInt32(index);
  if (byteLength(source) > regexMaxSize()) {
    throw new SQLFunctionError(`Invalid regex: too big, max size is ${regexMaxSize()} bytes`);
  }
  let re: RegExp;
  try {
    re = compileRegex(source);
  } catch {
    throw new SQLFunctionError("Invalid regex");
  }
  const m = re.exec(text);
  if (!m || i < 0 || i >= m.length) return null;
  return m[i] ?? ""; // a group that took no part in the match is an empty string
}

/**
 * osquery's concat/concat_ws: NULLs are skipped, but the separator is
 * written after every non-NULL value that is not the LAST argument, so
 * trailing NULLs leave a trailing separator. Nothing to join is NULL.
 */
function concatValues(separator: string, values: readonly SqlValue[]): string | null {
  if (values.length === 0) return null;
  let out = "";
  values.forEach((v, k) => {
    if (v === null || v === undefined) return;
    out += asCString(v) ?? "";
    if (separator !== "" && k + 1 < values.length) out += separator;
  });
  return out;
}

// ---------------------------------------------------------------------------
// Network functions
// ---------------------------------------------------------------------------

/** inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    const p = parts[k] as string;
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[k] = n;
  }
  return out;
}

/** inet_pton(AF_INET6): up to 8 groups of 1-4 hex digits, one '::', an optional dotted IPv4 tail. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length === 0) return null;
  const s = text;
  if (s.startsWith(":") && !s.startsWith("::")) return null;
  const double = s.indexOf("::");
  if (double >= 0 && s.indexOf("::", double + 1) >= 0) return null;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === "") return [];
    const fields = part.split(":");
    const words: number[] = [];
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k] as string;
      if (allowV4Tail && k === fields.length - 1 && f.includes(".")) {
        const v4 = parseIPv4(f);
        if (!v4) return null;
        words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return null;
      words.push(Number.parseInt(f, 16));
    }
    return words;
  };
  let words: number[];
  if (double >= 0) {
    const head = parseGroups(s.slice(0, double), false);
    const tail = parseGroups(s.slice(double + 2), true);
    if (!head || !tail) return null;
    // "::" must stand for at least one zero group.
    if (head.length + tail.length > 7) return null;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s, true);
    if (!all || all.length !== 8) return null;
    words = all;
  }
  const out = new Uint8Array(16);
  words.forEach((w, k) => {
    out[2 * k] = w >> 8;
    out[2 * k + 1] = w & 0xff;
  });
  return out;
}

/** An address as boost::asio::ip::address holds it: family, bytes, IPv6 scope id. */
interface IpAddress {
  v6: boolean;
  bytes: Uint8Array;
  scope: number;
}

/** C atoi: optional blanks and sign, then digits; 0 if none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1] as string, 10) | 0 : 0;
}

/** boost::asio::ip::make_address: IPv6 first (with an optional %scope), then IPv4. */
export function parseIpAddress(text: string): IpAddress | null {
  const pct = text.indexOf("%");
  const v6 = parseIPv6(pct >= 0 ? text.slice(0, pct) : text);
  if (v6) {
    // The scope is an interface index; interface names are not resolved here.
    return { v6: true, bytes: v6, scope: pct >= 0 ? atoi(text.slice(pct + 1)) >>> 0 : 0 };
  }
  const v4 = parseIPv4(text);
  return v4 ? { v6: false, bytes: v4, scope: 0 } : null;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < a.length; k++) {
    const d = (a[k] as number) - (b[k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** boost's address ordering: every IPv4 address before every IPv6 one, then bytes, then scope. */
function compareAddress(a: IpAddress, b: IpAddress): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  return compareBytes(a.bytes, b.bytes) || a.scope - b.scope;
}

/** Adds one to a big-endian number in place, wrapping to zero past the top. */
function increment(bytes: Uint8Array): Uint8Array {
  for (let k = bytes.length - 1; k >= 0; k--) {
    if ((bytes[k] as number) < 0xff) {
      bytes[k] = (bytes[k] as number) + 1;
      return bytes;
    }
    bytes[k] = 0;
  }
  return bytes;
}

/** boost's make_network_v4/v6: "address/prefix", prefix digits only. */
function parseNetwork(text: string, v6: boolean): { addr: IpAddress; prefix: number } | null {
  const slash = text.indexOf("/");
  if (slash < 0 || slash === text.length - 1) return null;
  const prefixText = text.slice(slash + 1);
  if (!/^\d+$/.test(prefixText)) return null;
  const addrText = text.slice(0, slash);
  let addr: IpAddress | null;
  if (v6) {
    const pct = addrText.indexOf("%");
    const bytes = parseIPv6(pct >= 0 ? addrText.slice(0, pct) : addrText);
    addr = bytes ? { v6: true, bytes, scope: pct >= 0 ? atoi(addrText.slice(pct + 1)) >>> 0 : 0 } : null;
  } else {
    const bytes = parseIPv4(addrText);
    addr = bytes ? { v6: false, bytes, scope: 0 } : null;
  }
  const prefix = atoi(prefixText);
  if (!addr || prefix > (v6 ? 128 : 32)) return null;
  return { addr, prefix };
}

/** The first address with the host bits cleared (fill 0) or set (fill 1). */
function maskAddress(bytes: Uint8Array, prefix: number, setHostBits: boolean): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let k = 0; k < out.length; k++) {
    const netBits = Math.max(0, Math.min(8, prefix - 8 * k));
    const hostMask = 0xff >> netBits;
    out[k] = setHostBits ? (out[k] as number) | hostMask : (out[k] as number) & ~hostMask & 0xff;
  }
  return out;
}

/**
 * Membership in boost's network hosts() range, which osquery uses as is:
 * IPv4 excludes the network and broadcast addresses (so a /31 holds nothing,
 * a /32 only itself); IPv6 holds the whole block, except that a block ending
 * at ffff:...:ffff wraps its end to :: and holds nothing.
 */
function inHosts(net: { addr: IpAddress; prefix: number }, ip: IpAddress): boolean {
  let first: Uint8Array;
  let end: Uint8Array; // exclusive
  if (!net.addr.v6 && net.prefix === 32) {
    first = net.addr.bytes;
    end = increment(Uint8Array.from(net.addr.bytes));
  } else if (!net.addr.v6) {
    first = increment(maskAddress(net.addr.bytes, net.prefix, false));
    end = maskAddress(net.addr.bytes, net.prefix, true);
  } else {
    first = maskAddress(net.addr.bytes, net.prefix, false);
    end = increment(maskAddress(net.addr.bytes, net.prefix, true));
  }
  const lo: IpAddress = { ...net.addr, bytes: first };
  const hi: IpAddress = { ...net.addr, bytes: end };
  return compareAddress(ip, lo) >= 0 && compareAddress(ip, hi) < 0;
}

function inCidrBlock(cidr: SqlValue, ip: SqlValue): number {
  if (typeof cidr !== "string") throw new SQLFunctionError("CIDR must be a string");
  if (typeof ip !== "string") throw new SQLFunctionError("IP address must be a string");
  const addr = parseIpAddress(asCString(ip) ?? "");
  if (!addr) throw new SQLFunctionError("IP address cannot be parsed");
  const net = parseNetwork(asCString(cidr) ?? "", addr.v6);
  if (!net) {
    throw new SQLFunctionError(`CIDR for IP address ${addr.v6 ? "v6" : "v4"} cannot be parsed`);
  }
  return inHosts(net, addr) ? 1 : 0;
}

function inetAton(v: SqlValue): number | null {
  const text = asCString(v);
  if (text === null || text.includes(":")) return null;
  const b = parseIPv4(text);
  if (!b) return null;
  return (((b[0] as number) << 24) >>> 0) + ((b[1] as number) << 16) + ((b[2] as number) << 8) + (b[3] as number);
}

/**
 * Community ID v1 (corelight/community-id-spec) as osquery computes it:
 * SHA1 over seed(2) . saddr . daddr . proto(1) . 0 . sport(2) . dport(2),
 * endpoints ordered so that both directions of a flow hash alike; base64,
 * prefixed "1:". Ports are taken as given (no ICMP type/code mapping).
 */
function communityIdV1(args: readonly SqlValue[]): string {
  const [saddrV, daddrV, sportV, dportV, protoV, seedV] = args;
  let seed = 0n;
  if (args.length === 6) {
    if (typeof seedV !== "bigint") throw new SQLFunctionError("Community ID seed must be an integer");
    if (seedV < -32768n || seedV > 32767n) throw new SQLFunctionError("Community ID seed must fit in 2 bytes");
    seed = seedV;
  }
  if (typeof saddrV !== "string" || typeof daddrV !== "string") {
    throw new SQLFunctionError("Community ID IPs must be strings");
  }
  let saddr = parseIpAddress(asCString(saddrV) ?? "");
  if (!saddr) throw new SQLFunctionError("Community ID saddr cannot be parsed as IP");
  let daddr = parseIpAddress(asCString(daddrV) ?? "");
  if (!daddr) throw new SQLFunctionError("Community ID daddr cannot be parsed as IP");
  if (typeof sportV !== "bigint" || typeof dportV !== "bigint") {
    throw new SQLFunctionError("Community ID ports must be integers");
  }
  if (sportV < 0n || sportV > 65535n || dportV < 0n || dportV > 65535n) {
    throw new SQLFunctionError("Community ID ports must fit in 2 bytes");
  }
  if (typeof protoV !== "bigint") throw new SQLFunctionError("Community ID protocol must be an integer");
  if (protoV < 0n || protoV > 255n) throw new SQLFunctionError("Community ID protocol must fit in 1 byte");

  let sport = Number(sportV);
  let dport = Number(dportV);
  const c = compareAddress(saddr, daddr);
  if (!(c < 0 || (c === 0 && sport < dport))) {
    [saddr, daddr] = [daddr, saddr];
    [sport, dport] = [dport, sport];
  }
  const buf = new Uint8Array(2 + saddr.bytes.length + daddr.bytes.length + 2 + 4);
  const view = new DataView(buf.buffer);
  let off = 0;
  view.setInt16(off, Number(seed));
  off += 2;
  buf.set(saddr.bytes, off);
  off += saddr.bytes.length;
  buf.set(daddr.bytes, off);
  off += daddr.bytes.length;
  buf[off++] = Number(protoV);
  buf[off++] = 0;
  view.setUint16(off, sport);
  view.setUint16(off + 2, dport);
  return `1:${new Bun.CryptoHasher("sha1").update(buf).digest("base64")}`;
}

/** community_id_v1 (errors become NULL) or community_id_v1_strict (errors fail the query). */
function communityId(strict: boolean, args: readonly SqlValue[]): string | null {
  try {
    return communityIdV1(args);
  } catch (e) {
    if (strict || !(e instanceof SQLFunctionError)) throw e;
    return null;
  }
}

// ---------------------------------------------------------------------------
// Hashing and encoding
// ---------------------------------------------------------------------------

/** Hex digest of the value's text, up to its first NUL byte (osquery hashes a C string). */
function hashValue(algorithm: "md5" | "sha1" | "sha256", v: SqlValue): string | null {
  const bytes = asBytes(v);
  if (bytes === null) return null;
  const nul = bytes.indexOf(0);
  return new Bun.CryptoHasher(algorithm)
    .update(nul >= 0 ? bytes.subarray(0, nul) : bytes)
    .digest("hex");
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUE = new Map<string, number>([...BASE64_ALPHABET].map((c, k) => [c, k]));

/**
 * osquery's base64 decode: drop line breaks, drop trailing '=', then every
 * character must be in the alphabet ('=' inside counts as zero bits); any
 * other character makes the whole result empty. Leftover bits are dropped.
 */
export function osqueryBase64Decode(text: string): Uint8Array {
  const s = text.replaceAll("\r\n", "").replaceAll("\n", "").replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((s.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of s) {
    const v = ch === "=" ? 0 : BASE64_VALUE.get(ch);
    if (v === undefined) return new Uint8Array(0);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Decoded bytes as TEXT when they are UTF-8, else as a BLOB so no byte is lost. */
function bytesResult(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return bytes;
  }
}

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** osquery's isPrintable: every byte within 0x20..0x7e. */
const isPrintable = (bytes: Uint8Array): boolean => bytes.every((b) => b >= 0x20 && b < 0x7f);

// ---------------------------------------------------------------------------
// Math
// ---------------------------------------------------------------------------
//
// osquery's math functions (sqrt, acos, asin, atan, cos, sin, tan, exp,
// log10, power, degrees, radians, pi) exist in Bun's SQLite as built-ins and
// are left to it: a JS function cannot return a whole-number REAL (bun:sqlite
// stores any safe-integer `number` as INTEGER), so sqrt(4) would come back as
// 2 instead of osquery's 2.0. The built-ins give NULL where osquery fails the
// query (sqrt(-1)) and NULL for non-numeric text where osquery computes with
// 0; that is the price of the right result types.
//
// Replaced or added, because osquery's differ in ordinary use: log() is the
// natural logarithm (SQLite's one-argument log is base 10), ceil()/floor()
// return an INTEGER, and cot() is missing from SQLite.

// osquery reports a math library errno as a query error with strerror's text.
const EDOM = "Numerical argument out of domain";
const ERANGE = "Numerical result out of range";

function naturalLog(v: SqlValue): number | null {
  if (v === null) return null;
  const x = asDouble(v);
  if (x < 0) throw new SQLFunctionError(EDOM);
  if (x === 0) throw new SQLFunctionError(ERANGE);
  return Math.log(x);
}

function cot(v: SqlValue): number | null {
  if (v === null) return null;
  const x = asDouble(v);
  if (!Number.isFinite(x)) throw new SQLFunctionError(EDOM); // tan(±inf)
  return 1 / Math.tan(x);
}

/** ceil/floor: an INTEGER comes back unchanged; anything else is rounded to an INTEGER. */
function roundToInteger(f: (x: number) => number) {
  return (v: SqlValue): bigint | null => {
    if (v === null) return null;
    if (typeof v === "bigint") return v;
    const r = f(asDouble(v));
    // Out of int64 range the C cast gives the x86 "integer indefinite" value.
    if (!(r >= -9223372036854775808 && r < 9223372036854775808)) return INT64_MIN;
    return BigInt(r);
  };
}
const ceilToInteger = roundToInteger(Math.ceil);
const floorToInteger = roundToInteger(Math.floor);

// ---------------------------------------------------------------------------
// version_compare
// ---------------------------------------------------------------------------

const FLAVORS: Record<string, OsqueryVersionFlavor> = { ARCH: "ARCH", DPKG: "DPKG", RHEL: "RHEL" };

function versionCompare(args: readonly SqlValue[]): number {
  const [a, b, flavorV] = args;
  if (args.length < 2 || typeof a !== "string" || typeof b !== "string") {
    throw new SQLFunctionError("Must provide two version strings to compare.");
  }
  let flavor: OsqueryVersionFlavor = "VERSION";
  if (args.length > 2) {
    if (typeof flavorV !== "string") throw new SQLFunctionError("The optional third parameter is not a string.");
    const f = FLAVORS[flavorV.toUpperCase()];
    if (!f) {
      throw new SQLFunctionError("The optional third parameter does not match one of: (ARCH, DPKG, RHEL).");
    }
    flavor = f;
  }
  return osqueryVersionCompare(asCString(a) ?? "", asCString(b) ?? "", flavor);
}

/**
 * carve(path), an aggregate: every non-NULL path of the group becomes one
 * carve request. The reply texts are cut to 13 characters, as osquery's are
 * ("Carve Started", "Carve Failed:"); a group without paths requests nothing.
 */
function carveResult(paths: Set<string>): SqlResult {
  if (paths.size === 0) return null;
  if (flags.bool("carver_disable_function")) return "Carve Failed: function disabled".slice(0, 13);
  const guid = requestCarveLater(paths, newCarveGuid(), Math.floor(Date.now() / 1000));
  return `Carve Started: ${guid}`.slice(0, 13);
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

const OPTS = { deterministic: true, safeIntegers: true } as const;
const VARARGS = { ...OPTS, varargs: true } as const;

/** The names registerFunctions defines (osquery's other math functions are SQLite's built-ins). */
export const FUNCTION_NAMES: readonly string[] = [
  "split", "regex_split", "regex_match", "concat", "concat_ws", "inet_aton", "in_cidr_block",
  "community_id_v1", "community_id_v1_strict", "md5", "sha1", "sha256", "to_base64", "from_base64",
  "conditional_to_base64", "log", "cot", "ceil", "floor", "version_compare", "carve",
];

/**
 * Registers osquery's extension functions. Where SQLite has a built-in of the
 * same name and arity (concat, concat_ws, log, ceil, floor) osquery's version
 * replaces it, because osquery's differs (log is the natural logarithm, ceil
 * returns an INTEGER, concat_ws keeps a trailing separator). SQLite's other
 * math functions (sqrt, power, ..., and extras such as ln, log2, mod) stay.
 */
export function registerFunctions(db: Database): void {
  // Strings
  db.function("split", OPTS, (s: SqlValue, t: SqlValue, i: SqlValue): SqlResult => splitCommon(s, t, i, osquerySplit));
  db.function("regex_split", OPTS, (s: SqlValue, p: SqlValue, i: SqlValue): SqlResult => regexSplitValue(s, p, i));
  db.function("regex_match", OPTS, (s: SqlValue, p: SqlValue, i: SqlValue): SqlResult => regexMatchValue(s, p, i));
  db.function("concat", VARARGS, (...values: SqlValue[]): SqlResult => concatValues("", values));
  db.function("concat_ws", VARARGS, (...values: SqlValue[]): SqlResult => {
    if (values.length === 0) throw new SQLFunctionError("Missing separator to concat_ws");
    const [sep, ...rest] = values;
    return concatValues(asCString(sep ?? null) ?? "", rest);
  });

  // Network
  db.function("inet_aton", OPTS, (ip: SqlValue): SqlResult => inetAton(ip));
  db.function("in_cidr_block", OPTS, (cidr: SqlValue, ip: SqlValue): SqlResult => inCidrBlock(cidr, ip));
  for (const [name, strict] of [["community_id_v1", false], ["community_id_v1_strict", true]] as const) {
    db.function(name, OPTS, (sa: SqlValue, da: SqlValue, sp: SqlValue, dp: SqlValue, pr: SqlValue): SqlResult =>
      communityId(strict, [sa, da, sp, dp, pr]),
    );
    db.function(
      name,
      OPTS,
      (sa: SqlValue, da: SqlValue, sp: SqlValue, dp: SqlValue, pr: SqlValue, seed: SqlValue): SqlResult =>
        communityId(strict, [sa, da, sp, dp, pr, seed]),
    );
  }

  // Hashing and encoding
  db.function("md5", OPTS, (v: SqlValue): SqlResult => hashValue("md5", v));
  db.function("sha1", OPTS, (v: SqlValue): SqlResult => hashValue("sha1", v));
  db.function("sha256", OPTS, (v: SqlValue): SqlResult => hashValue("sha256", v));
  db.function("to_base64", OPTS, (v: SqlValue): SqlResult => {
    const bytes = asBytes(v);
    return bytes === null ? null : toBase64(bytes);
  });
  db.function("conditional_to_base64", OPTS, (v: SqlValue): SqlResult => {
    const bytes = asBytes(v);
    if (bytes === null) return null;
    return isPrintable(bytes) ? bytesResult(bytes) : toBase64(bytes);
  });
  db.function("from_base64", OPTS, (v: SqlValue): SqlResult => {
    const bytes = asBytes(v);
    return bytes === null ? null : bytesResult(osqueryBase64Decode(decoder.decode(bytes)));
  });

  // Math (the rest are SQLite's built-ins; see above)
  db.function("log", OPTS, (v: SqlValue): SqlResult => naturalLog(v));
  db.function("cot", OPTS, (v: SqlValue): SqlResult => cot(v));
  db.function("ceil", OPTS, (v: SqlValue): SqlResult => ceilToInteger(v));
  db.function("floor", OPTS, (v: SqlValue): SqlResult => floorToInteger(v));

  // Versions
  db.function("version_compare", VARARGS, (...args: SqlValue[]): SqlResult => versionCompare(args));

  // Carving
  db.aggregate("carve", {
    safeIntegers: true,
    start: () => new Set<string>(),
    step: (paths: Set<string>, path: SqlValue) => {
      if (path !== null) paths.add(typeof path === "string" ? path : path instanceof Uint8Array ? decoder.decode(path) : String(path));
      return paths;
    },
    result: carveResult,
  });
}
