// Filesystem questions every table asks, answered without throwing: a table
// reads what it can (permissions, races with deletion) and skips the rest.
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { verbose } from "../logger/glog.ts";
import { err, ok, type Result } from "../result.ts";

/** Errors that mean "not there" (a vanished process, an optional file): the normal case, not worth a log line. */
const MISSING = new Set(["ENOENT", "ENOTDIR", "ESRCH"]);

/**
 * Logs at verbose level (osquery's VLOG) why `path` could not be used, unless
 * it simply does not exist; `file` names the source file in the log line.
 */
export function logUnreadable(file: string, path: string, e: unknown): void {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && MISSING.has(code)) return;
  verbose(file, `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Names in `dir` (unsorted, as readdir gives them), or none when unreadable (logged unless missing). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    logUnreadable("fs.ts", dir, e);
    return [];
  }
}

/**
 * A whole file as text, or the error, for callers that treat "missing" and
 * "unreadable" differently. latin1 keeps every byte as one character, for
 * sysfs attributes and formats that are not UTF-8.
 */
export function readTextResult(path: string, encoding: "utf8" | "latin1" = "utf8"): Result<string, NodeJS.ErrnoException> {
  try {
    return ok(readFileSync(path, encoding));
  } catch (e) {
    return err(e as NodeJS.ErrnoException);
  }
}

/** A whole file as text, or null (missing, or unreadable: logged at verbose level). */
export function readText(path: string, encoding: "utf8" | "latin1" = "utf8"): string | null {
  const r = readTextResult(path, encoding);
  if (r.ok) return r.value;
  logUnreadable("fs.ts", path, r.error);
  return null;
}

/** True for a directory, following symlinks. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Whatever stat fails on is not a directory the caller can use: the answer is the data.
    return false;
  }
}

/** True for a regular file, following symlinks. */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    // As for isDirectory: false is the whole answer.
    return false;
  }
}

/** True when the path itself is a symbolic link. */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    // As for pathExists: a path lstat cannot see is no link.
    return false;
  }
}

/** True when the path itself exists (a dangling symlink counts). */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    // An lstat that fails is "does not exist" to every caller.
    return false;
  }
}

/**
 * Runs `fn` with a read-only descriptor of `path` and closes it afterwards;
 * null when the file cannot be opened or `fn` throws (a device that vanished,
 * a short read it could not use).
 */
export function withFile<T>(path: string, fn: (fd: number) => T): T | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    logUnreadable("fs.ts", path, e);
    return null;
  }
  try {
    return fn(fd);
  } catch (e) {
    logUnreadable("fs.ts", path, e);
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes at `offset` (fewer at end of file); a read error reads nothing more. */
export function readAt(fd: number, offset: number | bigint, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, length - done, typeof offset === "bigint" ? offset + BigInt(done) : offset + done);
    } catch (e) {
      logUnreadable("fs.ts", `fd ${fd} at offset ${offset}`, e);
      break;
    }
    if (n <= 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/**
 * Paths compared component by component, a parent right before its
 * children: systemd's path_compare (udev's enumeration order) and
 * std::filesystem::path's operator< both order paths so.
 */
export function comparePaths(a: string, b: string): number {
  const x = a.split("/").filter(Boolean);
  const y = b.split("/").filter(Boolean);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * Whether a process running as `uid`/`gid` (and no other group) could read
 * the absolute `path`: search permission on "/" and each directory below it,
 * and read permission on the file, by the owner/group/other mode bits (ACLs
 * are not consulted). `root` prefixes every stat (a container's root seen
 * from the host) without being checked itself. For tables osquery reads after
 * dropping privileges to "nobody".
 */
export function readableAs(path: string, uid: number, gid: number, root = ""): boolean {
  const allowed = (p: string, bit: number): boolean => {
    try {
      const st = statSync(root + p);
      const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
      return ((st.mode >> shift) & bit) !== 0;
    } catch {
      return false;
    }
  };
  const parts = path.split("/").filter((p) => p.length > 0);
  let dir = "";
  if (!allowed("/", 1)) return false;
  for (const part of parts.slice(0, -1)) {
    dir = `${dir}/${part}`;
    if (!allowed(dir, 1)) return false;
  }
  return allowed(path, 4);
}

/** osquery's lsperms(): the permission and setuid/setgid/sticky bits as four octal digits, e.g. "0644". */
export function lsperms(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

const S_ISVTX = 0o1000;
const S_IXUSR = 0o100;
const S_IWOTH = 0o002;

/**
 * osquery's safePermissions: whether a binary in `dir` may be run as code
 * osquery loads (an extension, the worker). The path must exist; the
 * directory must not be /tmp-like (sticky); the file must open, be no
 * directory, and be owned by root or by this user; when `executable`, it
 * must also be executable by its owner and not writable by others.
 * `allowUnsafe` (--allow_unsafe) skips everything but the existence check.
 */
export function safePermissions(dir: string, path: string, executable: boolean, allowUnsafe = false): boolean {
  if (!pathExists(path)) return false;
  if (allowUnsafe) return true;
  try {
    if ((statSync(dir).mode & S_ISVTX) !== 0) return false;
  } catch (e) {
    logUnreadable("fs.ts", dir, e);
    return false;
  }
  const st = withFile(path, (fd) => fstatSync(fd));
  if (st === null || st.isDirectory()) return false;
  if (st.uid !== 0 && st.uid !== process.getuid?.()) return false;
  return !executable || ((st.mode & S_IXUSR) !== 0 && (st.mode & S_IWOTH) === 0);
}
