// osquery's path patterns (resolveFilePattern): `%` is the SQL-style wildcard
// for `*`, matching within one path component, and the matches come back
// sorted like glob(3) with GLOB_MARK, i.e. directories end in '/'. Tables
// that search well-known places (python site-packages, node_modules, apt's
// sources.list.d) use it so their paths look exactly as osquery reports them.
import { readdirSync, statSync } from "node:fs";

export interface PatternOptions {
  /** Keep only directories ("dirs") or only non-directories ("files"). */
  readonly only?: "dirs" | "files";
  /** Append '/' to directories, as glob's GLOB_MARK (osquery always sets it). Default true. */
  readonly mark?: boolean;
}

/** Converts one pattern component to a RegExp (`*`, `%` → any run, `?` → one char). */
export function componentRegExp(component: string): RegExp {
  let re = "^";
  for (const ch of component) {
    if (ch === "*" || ch === "%") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`, "s");
}

function hasWildcard(component: string): boolean {
  return /[*?%]/.test(component);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Expands an absolute pattern to the existing paths it names. Wildcards do
 * not match names that start with '.', as glob(3) does not.
 */
export function resolvePattern(pattern: string, opts: PatternOptions = {}): string[] {
  const mark = opts.mark ?? true;
  const trailingSlash = pattern.endsWith("/");
  const parts = pattern.split("/").filter((p) => p !== "");
  let candidates = [pattern.startsWith("/") ? "/" : ""];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of candidates) {
      const prefix = base === "" || base.endsWith("/") ? base : `${base}/`;
      if (!hasWildcard(part)) {
        next.push(prefix + part);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base === "" ? "." : base);
      } catch {
        continue;
      }
      const re = componentRegExp(part);
      for (const name of names) {
        if (name.startsWith(".") && !part.startsWith(".")) continue;
        if (re.test(name)) next.push(prefix + name);
      }
    }
    candidates = next;
  }
  const out: string[] = [];
  for (const path of candidates) {
    if (!exists(path)) continue;
    const dir = isDirectory(path);
    if (trailingSlash && !dir) continue;
    if (opts.only === "dirs" && !dir) continue;
    if (opts.only === "files" && dir) continue;
    out.push(dir && mark && !path.endsWith("/") ? `${path}/` : path);
  }
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...new Set(out)];
}
