// Filesystem questions every table asks, answered without throwing: a table
// reads what it can (permissions, races with deletion) and skips the rest.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";

/** Names in `dir` (unsorted, as readdir gives them), or none when unreadable. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A whole file as UTF-8 text, or null (missing, unreadable). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** True for a directory, following symlinks. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True for a regular file, following symlinks. */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True when the path itself exists (a dangling symlink counts). */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
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
  } catch {
    return null;
  }
  try {
    return fn(fd);
  } catch {
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
    } catch {
      break;
    }
    if (n <= 0) break;
    done += n;
  }
  return buf.subarray(0, done);
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
