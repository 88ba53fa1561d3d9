// Node packages as osquery's npm_packages finds them: the package.json of
// each package in a search directory's node_modules (scoped ones included),
// then of the packages nested in their own node_modules, to a maximum depth.
import { lstatSync, readFileSync, statSync } from "node:fs";
import { GLOB_ALL, joinPath, resolveFilePattern } from "./glob.ts";
import type { Row } from "../table.ts";
import { isDirectory, logUnreadable } from "./fs.ts";
import { verbose } from "../logger/glog.ts";

/**
 * osquery's Linux/macOS search patterns (system, npm-global, nvm, asdf, fnm,
 * mise, Volta); each names a directory holding node_modules/.
 */
export const NODE_MODULES_PATTERNS = [
  "/usr/local/lib",
  "/opt/homebrew/lib",
  "/usr/lib",
  "/home/%/.npm-global/lib",
  "/home/%/.nvm/versions/node/%/lib",
  "/Users/%/.npm-global/lib",
  "/Users/%/.nvm/versions/node/%/lib",
  "/home/%/.asdf/installs/nodejs/%/lib",
  "/Users/%/.asdf/installs/nodejs/%/lib",
  "/home/%/.local/share/fnm/node-versions/%/installation/lib",
  "/Users/%/Library/Application Support/fnm/node-versions/%/installation/lib",
  "/Users/%/.local/share/fnm/node-versions/%/installation/lib",
  "/home/%/.local/share/mise/installs/node/%/lib",
  "/Users/%/.local/share/mise/installs/node/%/lib",
  "/home/%/.volta/tools/image/node/%/lib",
  "/Users/%/.volta/tools/image/node/%/lib",
];

export const DEFAULT_MAX_DEPTH = 100;

export interface NpmManifest {
  name?: string;
  version?: string;
  description?: string;
  homepage?: string;
  author?: string;
  license?: string;
}

/**
 * The fields osquery reads from package.json: string values of name, version,
 * description and homepage (a non-string value reads as ""), author as a
 * string or {name}, license as a string or the legacy {url}. null when the
 * text is not a JSON object.
 */
export function parsePackageJson(text: string): NpmManifest | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    verbose("npm.ts", `package.json is not JSON: ${(e as Error).message}`);
    return null;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  const out: NpmManifest = {};
  for (const key of ["name", "version", "description", "homepage"] as const) {
    if (key in o) out[key] = typeof o[key] === "string" ? o[key] : "";
  }
  if ("author" in o) {
    const a = o.author;
    if (typeof a === "string") out.author = a;
    else if (typeof a === "object" && a !== null && "name" in a) {
      const n = (a as Record<string, unknown>).name;
      out.author = typeof n === "string" ? n : "";
    }
  }
  if ("license" in o) {
    const l = o.license;
    if (typeof l === "string") out.license = l;
    else if (typeof l === "object" && l !== null && typeof (l as Record<string, unknown>).url === "string") {
      out.license = (l as Record<string, string>).url;
    }
  }
  return out;
}

/**
 * Rows for one search directory: its node_modules/<pkg>/package.json and
 * node_modules/@scope/<pkg>/package.json, then the same below each package
 * that has its own node_modules, while depth < maxDepth (-1: no limit).
 * Directories already visited (by device and inode: an inode number is only
 * unique within its filesystem) are not searched twice.
 */
export function npmSiteRows(site: string, maxDepth: number, root = ""): Row[] {
  const rows: Row[] = [];
  const stack: [string, number][] = [[site, 0]];
  const visited = new Set<string>();
  while (stack.length > 0) {
    const [dir, depth] = stack.pop() as [string, number];
    try {
      const st = lstatSync(root + dir);
      const id = `${st.dev}:${st.ino}`;
      if (visited.has(id)) continue;
      visited.add(id);
    } catch {
      // osquery searches a path it cannot stat all the same (it will find nothing)
    }
    const manifests = [
      ...resolveFilePattern(joinPath(dir, "node_modules/%/package.json"), GLOB_ALL, { root }),
      ...resolveFilePattern(joinPath(dir, "node_modules/@%/%/package.json"), GLOB_ALL, { root }),
    ];
    for (const path of manifests) {
      let info: NpmManifest | null = null;
      try {
        info = parsePackageJson(readFileSync(root + path, "utf8"));
      } catch (e) {
        logUnreadable("npm.ts", root + path, e);
        // unreadable manifest: the row still names the package's path
      }
      rows.push({ ...(info ?? {}), path, directory: site, depth, max_depth: maxDepth, pid_with_namespace: 0 });
      if (maxDepth === -1 || depth < maxDepth) {
        const pkgDir = path.slice(0, path.lastIndexOf("/"));
        if (isDirectory(`${root}${pkgDir}/node_modules`)) stack.push([pkgDir, depth + 1]);
      }
    }
  }
  return rows;
}

