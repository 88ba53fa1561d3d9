// shadow: password aging and hash status from /etc/shadow. Only root can
// read the file; anyone else gets no rows (not an error), as with osquery.
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "shadow",
  columns: {
    password_status: "TEXT",
    hash_alg: "TEXT",
    last_change: "BIGINT",
    min: "BIGINT",
    max: "BIGINT",
    warning: "BIGINT",
    inactive: "BIGINT",
    expire: "BIGINT",
    flag: "BIGINT",
    username: "TEXT index optimized",
  },
  generate(ctx) {
    const entries = parseShadow(readText("/etc/shadow"));
    // getspnam per requested name (each once, in text order: osquery walks a
    // std::set<std::string>): the first entry that carries it.
    const names = [...new Set(ctx.equals("username"))].sort();
    const selected = names.length > 0
      ? names.flatMap((n) => entries.filter((e) => e.username === n).slice(0, 1))
      : entries;
    return selected.map(shadowRow);
  },
});

export interface ShadowEntry {
  readonly username: string;
  /** null for a bare NIS "+name"/"-name" line, which glibc returns without a password. */
  readonly password: string | null;
  /** Days fields as glibc's getspent returns them: -1 where the field is empty. */
  readonly lastChange: number;
  readonly min: number;
  readonly max: number;
  readonly warning: number;
  readonly inactive: number;
  readonly expire: number;
  /** The reserved flag field; null when empty (glibc stores ULONG_MAX, which osquery's BIGINT cast turns into NULL). */
  readonly flag: number | null;
}

/**
 * Parses shadow(5) text the way glibc's fgetspent does (checked against it in
 * the tests): exactly nine fields, numbers or empty (-1); malformed lines are
 * skipped; an empty name is kept.
 */
export function parseShadow(text: string | null): ShadowEntry[] {
  if (!text) return [];
  const out: ShadowEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    // A bare "+name" or "+name:" (NIS compat) comes back with no password and
    // the aging glibc's sgetspent_r fills in.
    if (/^[+-]/.test(f[0]!) && (f.length === 1 || (f.length === 2 && f[1] === ""))) {
      out.push({ username: f[0]!, password: null, lastChange: 0, min: 0, max: 0, warning: -1, inactive: -1, expire: -1, flag: null });
      continue;
    }
    // Current glibc rejects the old two-field "name:password" format too.
    if (f.length !== 9) continue;
    const nums = f.slice(2).map((v) => (v === "" ? -1 : /^\d+$/.test(v) ? Number(v) : Number.NaN));
    if (nums.some(Number.isNaN)) continue;
    out.push({
      username: f[0]!,
      password: f[1]!,
      lastChange: nums[0]!,
      min: nums[1]!,
      max: nums[2]!,
      warning: nums[3]!,
      inactive: nums[4]!,
      expire: nums[5]!,
      flag: f[8] === "" ? null : nums[6]!,
    });
  }
  return out;
}

/** password_status: "!!" never set; a leading "!", "*" or "x" locked; "" or none empty; anything else active. */
export function passwordStatus(password: string | null): string {
  if (password === null) return "empty";
  if (password === "!!") return "not_set";
  if (password.startsWith("!") || password.startsWith("*") || password.startsWith("x")) return "locked";
  if (password === "") return "empty";
  return "active";
}

/** The crypt(5) id of a "$id$..." hash ("6", "y", "2b"), or null. */
export function hashAlgorithm(password: string | null): string | null {
  const m = /^\$(\w+)\$/.exec(password ?? "");
  return m ? m[1]! : null;
}

export function shadowRow(e: ShadowEntry): Row {
  return {
    password_status: passwordStatus(e.password),
    hash_alg: hashAlgorithm(e.password),
    last_change: e.lastChange,
    min: e.min,
    max: e.max,
    warning: e.warning,
    inactive: e.inactive,
    expire: e.expire,
    flag: e.flag,
    username: e.username,
  };
}
