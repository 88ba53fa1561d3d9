// Installed Python distributions as osquery's python_packages finds them:
// every *.dist-info (METADATA) or *.egg-info (PKG-INFO) directory anywhere
// below a site directory, the system ones and those under users' homes.
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { GLOB_ALL, compareBytes, joinPath, resolveFilePattern } from "./glob.ts";
import type { Row } from "../table.ts";
import { isDirectory, listDir, logUnreadable } from "./fs.ts";

/** osquery's system search patterns (`%` matches within one path component). */
export const SYSTEM_SITE_PATTERNS = [
  "/usr/local/lib/python%/dist-packages",
  "/usr/local/lib/python%/site-packages",
  "/usr/local/lib64/python%/site-packages",
  "/opt/homebrew/lib/python%/dist-packages",
  "/opt/homebrew/lib/python%/site-packages",
  "/usr/lib/python%/dist-packages",
  "/usr/lib/python%/site-packages",
  "/Library/Python/%/site-packages",
  "/opt/conda/lib/python%/dist-packages",
  "/opt/conda/lib/python%/site-packages",
  "/opt/miniconda3/lib/python%/site-packages",
  "/opt/anaconda3/lib/python%/site-packages",
];

/**
 * Below each user's home (pyenv, user site, asdf, uv, mise, pipx, Poetry,
 * conda/miniforge, virtualenvwrapper, pew), in osquery's order: its std::set
 * sorts them. A postfix whose subdirectories hold lib/python%/site-packages
 * (one per version or environment) yields those; any other is globbed as is.
 */
const USER_SITE_POSTFIXES = [
  ".pyenv/versions",
  ".local/lib/python%",
  ".asdf/installs/python",
  ".local/share/uv/tools",
  ".local/share/mise/installs/python",
  ".local/share/pipx/venvs",
  ".local/pipx/venvs",
  ".cache/pypoetry/virtualenvs",
  "miniforge3/lib/python%",
  "miniconda3/lib/python%",
  "anaconda3/lib/python%",
  "mambaforge/lib/python%",
  "miniforge3/envs",
  "miniconda3/envs",
  "anaconda3/envs",
  "mambaforge/envs",
  ".virtualenvs",
  ".local/share/virtualenvs",
].sort(compareBytes);

export interface PythonMetadata {
  name?: string;
  version?: string;
  summary?: string;
  author?: string;
  license?: string;
}

/**
 * Reads the fields osquery takes from METADATA/PKG-INFO. osquery splits each
 * line on every ':' and keeps the line only when exactly two non-empty parts
 * result, so a value containing ':' (a URL, "Summary: a: b") is not taken;
 * it stops at the License line. Same rules here, so the values agree.
 */
export function parsePythonMetadata(text: string): PythonMetadata {
  const out: PythonMetadata = {};
  for (const line of text.split("\n")) {
    const fields = line
      .split(":")
      .filter((f) => f.length > 0)
      .map((f) => f.trim());
    if (fields.length !== 2) continue;
    const [key, value] = fields as [string, string];
    if (key === "Name") out.name = value;
    else if (key === "Version") out.version = value;
    else if (key === "Summary") out.summary = value;
    else if (key === "Author") out.author = value;
    else if (key === "License") {
      out.license = value;
      break;
    }
  }
  return out;
}

/** osquery's limit on the depth of a recursive (`**`) walk. */
const MAX_RECURSIVE_DEPTH = 64;

/**
 * Every directory below `dir`, depth first, as osquery's recursive
 * listDirectoriesInDirectory walks it (osquery/filesystem/filesystem.cpp):
 * the top level as glob's `*` gives it (sorted, no dot entries), then every
 * entry below, symlinked directories followed, each directory (by device
 * and inode, links resolved) entered once, at most 64 levels down.
 */
export function listDirectoriesRecursive(dir: string): string[] {
  const out: string[] = [];
  const visited = new Set<string>();
  const firstVisit = (d: string): boolean => {
    try {
      const st = statSync(d);
      const id = `${st.dev}:${st.ino}`;
      if (visited.has(id)) return false;
      visited.add(id);
    } catch {
      // osquery walks a directory it cannot stat all the same (and finds nothing)
    }
    return true;
  };
  const walk = (d: string, depth: number) => {
    if (depth >= MAX_RECURSIVE_DEPTH || !firstVisit(d) || !isDirectory(d)) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      logUnreadable("python_site.ts", d, e);
      return; // permission denied or vanished: skip, as osquery does
    }
    for (const name of names) {
      const path = joinPath(d, name);
      if (!isDirectory(path)) continue;
      out.push(path);
      walk(path, depth + 1);
    }
  };
  const top = listDir(dir)
    .filter((n) => !n.startsWith("."))
    .sort(compareBytes);
  for (const name of top) {
    const path = joinPath(dir, name);
    if (!isDirectory(path)) continue;
    out.push(path);
    walk(path, 0);
  }
  return out;
}

/** Rows for one site directory; `root` prefixes reads only (paths stay as the caller names them). */
export function pythonSiteRows(site: string, uid: number, root = ""): Row[] {
  const rows: Row[] = [];
  const base = root + site;
  if (!isDirectory(base)) return rows;
  for (const found of listDirectoriesRecursive(base)) {
    let metadata: string;
    if (found.endsWith(".dist-info")) metadata = "METADATA";
    else if (found.endsWith(".egg-info")) metadata = "PKG-INFO";
    else continue;
    if (!isDirectory(found)) continue;
    let info: PythonMetadata = {};
    try {
      info = parsePythonMetadata(readFileSync(`${found}/${metadata}`, "utf8"));
    } catch (e) {
      logUnreadable("python_site.ts", `${found}/${metadata}`, e);
      // no metadata file: osquery still reports the directory, with empty fields
    }
    rows.push({ ...info, path: found.slice(root.length), directory: site, uid, pid_with_namespace: 0 });
  }
  return rows;
}

/** The subdirectories of `dir` that are not themselves symlinks (pyenv's version dirs). */
function versionDirs(dir: string): string[] {
  return listDir(dir)
    .map((n) => joinPath(dir, n))
    .filter((p) => {
      try {
        return !lstatSync(p).isSymbolicLink() && isDirectory(p);
      } catch {
        // Vanished since it was listed: not a version directory.
        return false;
      }
    });
}

/** The site directories below one home directory, as osquery finds them. */
export function userSiteDirectories(home: string, root = ""): string[] {
  const sites: string[] = [];
  for (const postfix of USER_SITE_POSTFIXES) {
    const dir = `${home}/${postfix}/`;
    const versions = dir.includes("%") ? [] : versionDirs(root + dir).map((v) => v.slice(root.length));
    if (versions.length > 0) {
      for (const v of versions) for (const item of resolveFilePattern(`${v}/lib/python%/site-packages`, GLOB_ALL, { root })) sites.push(item);
    } else {
      for (const item of resolveFilePattern(dir, GLOB_ALL, { root })) sites.push(item);
    }
  }
  return sites;
}

