// Filesystem questions every table asks, answered without throwing: a table
// reads what it can (permissions, races with deletion) and skips the rest.
import { lstatSync, readdirSync, statSync } from "node:fs";

/** Names in `dir` (unsorted, as readdir gives them), or none when unreadable. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
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
