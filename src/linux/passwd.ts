// /etc/passwd and /etc/group, parsed once for every table that needs accounts.
import { readText } from "./proc.ts";

export interface PasswdEntry {
  readonly username: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

export interface GroupEntry {
  readonly groupname: string;
  readonly password: string;
  readonly gid: number;
  readonly members: readonly string[];
}

/** C isspace() in the C locale. */
const SPACE = /^[ \t\n\v\f\r]+/;

/**
 * A 32-bit id at the start of `s` as glibc's parser reads it: strtoul(3)
 * base 10 (leading blanks and a sign allowed, a minus wrapping modulo 2^64),
 * and null when there are no digits or the result does not fit 32 bits, so
 * "-1" and "4294967296" drop the line while "4294967295" is kept.
 */
function strtoulId(s: string): { value: number; rest: string } | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
  if (!m) return null;
  let v = BigInt(m[2]!);
  if (m[1] === "-" && v > 0n) v = 0x10000000000000000n - (v > 0xffffffffffffffffn ? 1n : v);
  if (v > 0xffffffffn) return null;
  return { value: Number(v), rest: s.slice(m[0].length) };
}

/**
 * A uid/gid field followed by ':' (consumed) or the end of the line; null when
 * glibc would reject the line. `maybeEmpty` is for NIS "+"/"-" entries, whose
 * ids may be left empty (read as 0).
 */
function idField(line: string, maybeEmpty: boolean): { value: number; rest: string } | null {
  if (maybeEmpty && line.startsWith(":")) return { value: 0, rest: line.slice(1) };
  const n = strtoulId(line);
  if (!n) return null;
  if (n.rest.startsWith(":")) return { value: n.value, rest: n.rest.slice(1) };
  return n.rest === "" ? n : null;
}

/** One field up to the next ':' (consumed); the rest of the line when there is none. */
function stringField(line: string): [string, string] {
  const i = line.indexOf(":");
  return i < 0 ? [line, ""] : [line.slice(0, i), line.slice(i + 1)];
}

/**
 * /etc/passwd as glibc's fgetpwent_r reads it, which osquery's users table
 * uses: leading blanks skipped, blank and '#' lines ignored, uid and gid must
 * be numbers (else the line is dropped), missing trailing fields are "", and
 * the shell is the whole rest of the line, colons included. A bare "+"/"-"
 * NIS compat line (all fields NULL in glibc) is left out.
 */
export function parsePasswd(text: string | null): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const raw of (text ?? "").split("\n")) {
    let line = raw.replace(SPACE, "");
    if (line === "" || line.startsWith("#")) continue;
    let username: string;
    let password: string;
    [username, line] = stringField(line);
    const nis = username.startsWith("+") || username.startsWith("-");
    if (line === "" && nis) continue;
    [password, line] = stringField(line);
    const uid = idField(line, nis);
    if (!uid) continue;
    const gid = idField(uid.rest, nis);
    if (!gid) continue;
    line = gid.rest;
    let gecos: string;
    let home: string;
    [gecos, line] = stringField(line);
    [home, line] = stringField(line);
    out.push({ username, password, uid: uid.value, gid: gid.value, gecos, home, shell: line });
  }
  return out;
}

/**
 * /etc/group as glibc's fgetgrent reads it: the same line rules as
 * parsePasswd; the member list is the rest of the line split on ',', each
 * member's leading blanks skipped and empty members dropped.
 */
export function parseGroup(text: string | null): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const raw of (text ?? "").split("\n")) {
    let line = raw.replace(SPACE, "");
    if (line === "" || line.startsWith("#")) continue;
    let groupname: string;
    let password: string;
    [groupname, line] = stringField(line);
    const nis = groupname.startsWith("+") || groupname.startsWith("-");
    if (line === "" && nis) continue;
    [password, line] = stringField(line);
    const gid = idField(line, nis);
    if (!gid) continue;
    const members = gid.rest.split(",").map((m) => m.replace(SPACE, "")).filter((m) => m.length > 0);
    out.push({ groupname, password, gid: gid.value, members });
  }
  return out;
}

/** The accounts of `root` (a path prefix such as /proc/<pid>/root for containers). */
export function readPasswd(root = ""): PasswdEntry[] {
  return parsePasswd(readText(`${root}/etc/passwd`));
}

export function readGroups(root = ""): GroupEntry[] {
  return parseGroup(readText(`${root}/etc/group`));
}
