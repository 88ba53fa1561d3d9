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
