// osquery's file-pattern expansion, shared by every table that turns a LIKE
// constraint on a path column into files on disk (file, hash,
// extended_attributes, later yara and file_events).
//
// osquery does not ask SQLite to match paths: it rewrites the LIKE pattern as a
// shell glob and lets libc's glob(3) walk the disk, then SQLite re-applies the
// LIKE to whatever came back. The rules it follows (facts from its
// filesystem.cpp / posix fileops.cpp):
//   - every `%` becomes `*`, so `%` matches within one path level and `%%`
//     (`**`) does too; `_` is NOT translated and stays a literal character;
//   - a relative pattern is made absolute against the current directory
//     (a leading `~` is left to glob's tilde expansion);
//   - glob runs with GLOB_TILDE | GLOB_MARK | GLOB_BRACE: `~`/`~user` expand,
//     `{a,b}` alternates, directories (symlinks to directories too) come back
//     with a trailing `/`; wildcards never match a leading `.`;
//   - a pattern that ENDS in `**` recurses (osquery 5's genGlobs): the last
//     `*` is dropped and the rest globbed once; every directory found there
//     (symlinks to directories too) is listed and then walked depth-first in
//     readdir order, down to 64 levels below it. The walk lists every entry,
//     dotfiles included, and follows symlinked directories; a directory whose
//     (device, inode) was already walked in this expansion is listed but not
//     entered again, which stops symlink loops and bind-mount duplicates.
//     Anything else (a `**` in the middle, `**/` at the end) is plain glob;
//   - without GLOB_NO_CANON the part before the first wildcard is resolved
//     with realpath first (the file-like tables pass GLOB_NO_CANON);
//   - GLOB_FILES keeps results without a trailing `/`, GLOB_FOLDERS those with.
//
// Every filesystem access can be redirected under a `root` (e.g.
// /proc/<pid>/root for pid_with_namespace); returned paths never include it.
import { lstatSync, readdirSync, realpathSync, type Dirent } from "node:fs";
import { homedir } from "node:os";
import { Op, type QueryContext } from "../table.ts";
import { readPasswd } from "./passwd.ts";
import { isDirectory, listDir, pathExists as exists } from "./fs.ts";
import { verbose } from "../logger/glog.ts";

export const GLOB_FILES = 1;
export const GLOB_FOLDERS = 2;
export const GLOB_ALL = GLOB_FILES | GLOB_FOLDERS;
/** Leave the pattern's fixed prefix as written instead of resolving its symlinks. */
export const GLOB_NO_CANON = 4;

/** osquery's kMaxRecursiveGlobs: directory levels a `%%` walk descends below the globbed level. */
const MAX_RECURSIVE_DEPTH = 64;

export interface GlobOptions {
  /** Prefix for every filesystem access (e.g. "/proc/42/root"); "" for the host. */
  readonly root?: string;
  /** Directory a relative pattern is resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** Called before each directory a `%%` walk reads; throws to stop the walk (a query's deadline). */
  readonly checkpoint?: () => void;
  /**
   * Filled with what the walk's directory entries told of each path it
   * listed: whether it is a symlink. A caller that needs no more than that
   * (and existence) is spared an lstat per path. Paths whose entry type the
   * filesystem does not report are left out.
   */
  readonly links?: Map<string, boolean>;
}

/** osquery's replaceGlobWildcards; `canonicalize` is the absence of GLOB_NO_CANON. */
export function sqlPatternToGlob(pattern: string, cwd: string = process.cwd(), canonicalize = false, root = ""): string {
  let p = pattern.replaceAll("%", "*");
  if (p.length === 0 || (p[0] !== "/" && p[0] !== "~")) {
    p = joinPath(cwd, p);
  }
  // Under another root realpath would resolve that root's absolute links on the host.
  return canonicalize && root === "" ? canonicalPrefix(p) : p;
}

/**
 * Resolves the symlinks and `..` of everything before the first `*`; when
 * that prefix names a directory the separator after it is kept, so `dir/*`
 * still globs inside it. A prefix that does not exist stays as written.
 */
function canonicalPrefix(pattern: string): string {
  const star = pattern.indexOf("*");
  const base = star < 0 ? pattern : pattern.slice(0, star);
  if (base.length === 0) return pattern;
  let real: string;
  try {
    real = realpathSync(base);
  } catch {
    return pattern;
  }
  if (real === base) return pattern;
  if (isDirectory(real) && !real.endsWith("/")) real += "/";
  return real + pattern.slice(base.length);
}

/**
 * Expands a LIKE-style pattern the way osquery's resolveFilePattern does.
 * `limits` is GLOB_FILES, GLOB_FOLDERS or GLOB_ALL, plus GLOB_NO_CANON.
 * Directory results end in "/". Order is glob's for the first level, then
 * each directory's walk in readdir order; duplicates are kept, as osquery does.
 */
export function resolveFilePattern(pattern: string, limits: number, opts: GlobOptions = {}): string[] {
  const root = opts.root ?? "";
  const path = sqlPatternToGlob(pattern, opts.cwd, (limits & GLOB_NO_CANON) === 0, root);
  let results: string[];
  if (path.endsWith("**")) {
    results = [];
    const walked = new Set<string>();
    for (const base of glob(path.slice(0, -1), { root })) {
      results.push(base);
      if (base.endsWith("/")) walkDirectory(base, root, walked, results, 0, opts);
    }
  } else {
    results = glob(path, { root });
  }
  return results.filter((found) => {
    const isDir = found.endsWith("/");
    return (isDir && (limits & GLOB_FOLDERS) !== 0) || (!isDir && (limits & GLOB_FILES) !== 0);
  });
}

/**
 * osquery's dfsTraverseDirectories: `dir` ends in "/", so lstat resolves a
 * symlinked directory to its target and the (device, inode) key names the
 * directory actually read. Dirent types spare a stat per entry; only links
 * and entries of unknown type are stat'ed to learn whether they lead to a directory.
 */
function walkDirectory(dir: string, root: string, walked: Set<string>, out: string[], depth: number, opts: GlobOptions): void {
  if (depth >= MAX_RECURSIVE_DEPTH) return;
  opts.checkpoint?.();
  let key: string;
  try {
    const st = lstatSync(root + dir, { bigint: true });
    if (!st.isDirectory()) return;
    key = `${st.dev}:${st.ino}`;
  } catch (e) {
    verbose("glob.ts", `Cannot stat ${root + dir}: ${(e as Error).message}`);
    return;
  }
  if (walked.has(key)) return;
  walked.add(key);
  let entries: Dirent[];
  try {
    entries = readdirSync(root + dir, { withFileTypes: true });
  } catch (e) {
    verbose("glob.ts", `Cannot list ${root + dir}: ${(e as Error).message}`);
    return;
  }
  const links = opts.links;
  for (const entry of entries) {
    const path = dir + entry.name;
    const known = knownType(entry);
    const isDir = entry.isDirectory() || ((entry.isSymbolicLink() || !known) && isDirectory(root + path));
    const listed = isDir ? path + "/" : path;
    out.push(listed);
    // lstat follows a link named with a trailing "/": such a path is no link to it.
    if (links && known) links.set(listed, !isDir && entry.isSymbolicLink());
    if (isDir) walkDirectory(listed, root, walked, out, depth + 1, opts);
  }
}

/** Whether a directory entry is a symlink, as its type says; undefined when the filesystem reports no type. */
export function entryIsLink(entry: Dirent): boolean | undefined {
  return knownType(entry) ? entry.isSymbolicLink() : undefined;
}

function knownType(entry: Dirent): boolean {
  return entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || entry.isFIFO() || entry.isSocket() ||
    entry.isCharacterDevice() || entry.isBlockDevice();
}

/**
 * The values of `column` to work on: its `=`/IN values plus every LIKE
 * pattern expanded on disk, sorted and de-duplicated (osquery's
 * expandConstraints into a std::set).
 */
export function expandPathConstraints(ctx: QueryContext, column: string, limits: number, opts: GlobOptions = {}): string[] {
  const out = new Set(ctx.equals(column));
  for (const pattern of ctx.valuesOf(column, Op.LIKE)) {
    for (const found of resolveFilePattern(pattern, limits, { ...opts, checkpoint: () => ctx.checkDeadline() })) out.add(found);
  }
  return [...out].sort(compareBytes);
}

/**
 * glob(3) with GLOB_TILDE | GLOB_MARK | GLOB_BRACE, sorted; no error is fatal
 * (unreadable directories simply contribute nothing).
 */
export function glob(pattern: string, opts: { root?: string } = {}): string[] {
  const root = opts.root ?? "";
  const out: string[] = [];
  // Like glibc, each brace alternative is globbed and sorted on its own, in order.
  for (const alternative of expandBraces(pattern)) {
    for (const item of globOne(expandTilde(alternative), root).sort(compareBytes)) out.push(item);
  }
  return out;
}

function globOne(pattern: string, root: string): string[] {
  const onlyDirs = pattern.length > 1 && pattern.endsWith("/");
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((c) => c.length > 0);
  if (parts.length === 0) return absolute && exists(root + "/") ? ["/"] : [];

  let bases: string[] = [absolute ? "/" : ""];
  for (let i = 0; i < parts.length; i++) {
    const comp = parts[i] as string;
    const last = i === parts.length - 1;
    const needDir = !last || onlyDirs;
    const next: string[] = [];
    if (!hasMagic(comp)) {
      const name = unescapeGlob(comp);
      for (const base of bases) {
        const p = base + name;
        // Literal levels are only checked where glob checks them: at the end.
        if (!last || exists(root + p)) next.push(p);
      }
    } else {
      const re = componentRegExp(comp);
      for (const base of bases) {
        for (const name of listDir(root + (base || "."))) {
          if (!re.test(name)) continue;
          const p = base + name;
          if (needDir && !isDirectory(root + p)) continue;
          next.push(p);
        }
      }
    }
    bases = last ? next : next.map((p) => p + "/");
  }
  const results = onlyDirs ? bases.filter((p) => isDirectory(root + p)) : bases;
  return results.map((p) => mark(p, root));
}

/** GLOB_MARK: a trailing "/" on directories, symlinks to directories included. */
function mark(path: string, root: string): string {
  return !path.endsWith("/") && isDirectory(root + path) ? path + "/" : path;
}

function hasMagic(comp: string): boolean {
  for (let i = 0; i < comp.length; i++) {
    const c = comp[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?") return true;
    else if (c === "[" && comp.indexOf("]", i + 2) > 0) return true;
  }
  return false;
}

function unescapeGlob(comp: string): string {
  return comp.replace(/\\(.)/g, "$1");
}

const CLASSES: Record<string, string> = {
  alpha: "a-zA-Z", digit: "0-9", alnum: "a-zA-Z0-9", upper: "A-Z", lower: "a-z", space: " \\t\\n\\r\\f\\v",
  xdigit: "0-9A-Fa-f", punct: "!-\\/:-@\\[-`{-~", print: " -~", graph: "!-~", cntrl: "\\x00-\\x1f\\x7f", blank: " \\t",
};

/**
 * One path component of a glob as an anchored RegExp, with fnmatch's
 * FNM_PERIOD rule: a leading "." must be matched by a literal ".".
 */
export function componentRegExp(comp: string): RegExp {
  let re = "";
  let i = 0;
  while (i < comp.length) {
    const c = comp[i] as string;
    if (c === "\\" && i + 1 < comp.length) {
      re += escapeRe(comp[i + 1] as string);
      i += 2;
    } else if (c === "*") {
      re += ".*";
      i++;
    } else if (c === "?") {
      re += ".";
      i++;
    } else if (c === "[") {
      const parsed = parseBracket(comp, i);
      if (parsed) {
        re += parsed.re;
        i = parsed.end;
      } else {
        re += "\\[";
        i++;
      }
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  const leadingWild = comp[0] === "*" || comp[0] === "?" || comp[0] === "[";
  return new RegExp(`^${leadingWild ? "(?!\\.)" : ""}${re}$`, "s");
}

function parseBracket(comp: string, start: number): { re: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (comp[i] === "!" || comp[i] === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  while (i < comp.length) {
    const c = comp[i] as string;
    if (c === "]" && !first) return { re: `[${negate ? "^" : ""}${body}]`, end: i + 1 };
    first = false;
    if (c === "[" && comp[i + 1] === ":") {
      const close = comp.indexOf(":]", i + 2);
      const cls = close > 0 ? CLASSES[comp.slice(i + 2, close)] : undefined;
      if (cls !== undefined) {
        body += cls;
        i = close + 2;
        continue;
      }
    }
    if (c === "\\" && i + 1 < comp.length) {
      body += escapeRe(comp[i + 1] as string);
      i += 2;
      continue;
    }
    body += c === "-" ? "-" : escapeRe(c);
    i++;
  }
  return null;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

/** GLOB_BRACE: `{a,b}` alternatives, nested; unbalanced or comma-less braces stay literal. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = pattern.slice(open + 1, i);
        const alternatives = splitTopLevelCommas(inner);
        if (alternatives.length < 2) continue;
        const prefix = pattern.slice(0, open);
        const suffix = pattern.slice(i + 1);
        return alternatives.flatMap((alt) => expandBraces(prefix + alt + suffix));
      }
    }
  }
  return [pattern];
}

function splitTopLevelCommas(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

/** GLOB_TILDE: `~` is $HOME (or the passwd home), `~user` that user's home. */
function expandTilde(pattern: string): string {
  if (!pattern.startsWith("~")) return pattern;
  const slash = pattern.indexOf("/");
  const user = pattern.slice(1, slash < 0 ? undefined : slash);
  const rest = slash < 0 ? "" : pattern.slice(slash);
  if (user === "") return (process.env.HOME || homedir()) + rest;
  const entry = readPasswd().find((u) => u.username === user);
  return entry ? entry.home + rest : pattern;
}

/** Appends `name` to `dir` with one separator, as boost's operator/ does. */
export function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** boost::filesystem (v3) path::filename(): "." for a trailing separator. */
export function boostFilename(path: string): string {
  if (path === "/") return "/";
  if (path.endsWith("/")) return ".";
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** boost::filesystem (v3) path::parent_path(). */
export function boostParentPath(path: string): string {
  let end = path.length;
  // A trailing separator names a "." element; its parent is the path without it.
  if (end > 1 && path.endsWith("/")) return path.replace(/\/+$/, "") || "/";
  const i = path.lastIndexOf("/", end - 1);
  if (i < 0) return "";
  end = i;
  while (end > 0 && path[end - 1] === "/") end--;
  if (end === 0) return path === "/" ? "" : "/";
  return path.slice(0, end);
}

/** Byte-order comparison (std::set<std::string> / glob's C-locale sort). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
