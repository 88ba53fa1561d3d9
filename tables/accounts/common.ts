// Helpers shared by the accounts tables: C-locale trimming, osquery's
// directory listing (a sorted glob over a canonicalised directory), and
// boost-style path joining.
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { logUnreadable } from "../../src/linux/fs.ts";

/** C isspace() in the C locale, which boost::trim uses. */
const SPACE = " \t\n\v\f\r";

export function trimSpace(s: string, chars = SPACE): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** boost::filesystem's `dir / name`: one separator between the parts. */
export function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** Reads a regular file as text; null when missing, unreadable or not a regular file (a FIFO would block). */
export function readRegularFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return null;
    return readFileSync(path, "utf8");
  } catch (e) {
    logUnreadable("common.ts", path, e);
    return null;
  }
}

/**
 * osquery's listFilesInDirectory(dir): the glob `dir/*` with the directory
 * canonicalised, so hidden names are skipped, the list is sorted bytewise
 * (glob in the C locale), and everything that is not a directory (after
 * following symlinks) is kept, dangling links included. `root` prefixes the
 * paths read, not the paths returned (for pid_with_namespace).
 */
export function listFiles(dir: string, root = ""): string[] {
  let base = dir;
  let names: string[];
  try {
    if (!statSync(root + dir).isDirectory()) return [];
    if (root === "") base = realpathSync(dir);
    names = readdirSync(root + dir);
  } catch (e) {
    logUnreadable("common.ts", root + dir, e);
    return [];
  }
  const out: string[] = [];
  for (const name of names.filter((n) => !n.startsWith(".")).sort(byteOrder)) {
    let isDir = false;
    try {
      isDir = statSync(`${root}${joinPath(dir, name)}`).isDirectory();
    } catch {
      // A dangling symlink: glob still lists it, as a file.
    }
    if (!isDir) out.push(joinPath(base, name));
  }
  return out;
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** An integer constraint value as strtol would accept it (decimal, optional sign), else null. */
export function parseLong(text: string): number | null {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : null;
}
