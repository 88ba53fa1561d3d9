// hash: md5, sha1 and sha256 of regular files named by `path` (=, IN, LIKE)
// or found one level inside directories named by `directory` (=, IN, LIKE).
//
// As osquery: only paths that are regular files after following links are
// hashed (directories and devices are skipped); a file osquery would refuse
// to read (over --read_max, 50 MiB by default, or unreadable) still gets a
// row, with empty digests. Files whose stat size is 0 (e.g. /proc files) are read to
// their end, as osquery reads "special" files in blocks.
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { GLOB_ALL, GLOB_NO_CANON, boostParentPath, expandPathConstraints, joinPath } from "../../src/linux/glob.ts";
import { forEachNamespace, type NamespaceTarget } from "../../src/linux/namespaces.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { isDirectory, isRegularFile, logUnreadable } from "../../src/linux/fs.ts";
import { flags } from "../../src/flags/flags.ts";
import { verbose } from "../../src/logger/glog.ts";

export default defineTable({
  name: "hash",
  columns: {
    path: "TEXT required index optimized",
    directory: "TEXT required optimized",
    md5: "TEXT collate=nocase",
    sha1: "TEXT collate=nocase",
    sha256: "TEXT collate=nocase",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) => hashRows(ctx, ns));
  },
});

function hashRows(ctx: QueryContext, ns: NamespaceTarget): Row[] {
  const rows: Row[] = [];
  const root = ns.root;
  // One query may name a file twice (a path and its directory): hash it once.
  const cache = new Map<string, FileHashes>();
  const hashOnce = (path: string): FileHashes => {
    let h = cache.get(path);
    if (!h) {
      h = hashFile(root + path);
      cache.set(path, h);
    }
    return h;
  };

  for (const path of expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON, { root })) {
    if (!isRegularFile(root + path)) continue;
    rows.push({ path, directory: boostParentPath(path), ...hashOnce(path), pid_with_namespace: 0 });
  }
  for (const dir of expandPathConstraints(ctx, "directory", GLOB_ALL | GLOB_NO_CANON, { root })) {
    if (!isDirectory(root + dir)) continue;
    let names: string[];
    try {
      names = readdirSync(root + dir);
    } catch (e) {
      logUnreadable("hash.ts", root + dir, e);
      continue;
    }
    for (const name of names) {
      const path = joinPath(dir, name);
      if (!isRegularFile(root + path)) continue;
      rows.push({ path, directory: dir, ...hashOnce(path), pid_with_namespace: 0 });
    }
  }
  return rows;
}

export interface FileHashes {
  readonly md5: string;
  readonly sha1: string;
  readonly sha256: string;
}

const EMPTY: FileHashes = { md5: "", sha1: "", sha256: "" };
/**
 * One read buffer for every hash: hashing is synchronous, so it is never
 * shared, and file_events hashes a file per event, where a fresh 64 KiB
 * buffer each time left the garbage collector hundreds of MB behind.
 */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A file that fits the buffer, read whole and hashed in one call per digest:
 * no hasher objects, whose native memory the garbage collector does not see
 * (file_events hashes one file per event).
 */
function smallFileHashes(fd: number, size: number): FileHashes {
  let total = 0;
  while (total < size) {
    const n = readSync(fd, scratch, total, size - total, null);
    if (n <= 0) break;
    total += n;
  }
  const data = scratch.subarray(0, total);
  return { md5: Bun.MD5.hash(data, "hex"), sha1: Bun.SHA1.hash(data, "hex"), sha256: Bun.SHA256.hash(data, "hex") };
}

/** Streams the file once through all three digests; EMPTY when osquery would not read it. */
export function hashFile(path: string, readMax: number = flags.num("read_max")): FileHashes {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    logUnreadable("hash.ts", path, e);
    return EMPTY;
  }
  try {
    const size = statSync(path).size;
    if (size > readMax) {
      verbose("hash.ts", `Cannot read ${path} size exceeds limit: ${size} > ${readMax}`);
      return EMPTY;
    }
    if (size > 0 && size <= scratch.length) return smallFileHashes(fd, size);
    const md5 = new Bun.CryptoHasher("md5");
    const sha1 = new Bun.CryptoHasher("sha1");
    const sha256 = new Bun.CryptoHasher("sha256");
    const buf = scratch;
    let total = 0;
    // osquery reads a regular file up to its stat size; a zero-size ("special")
    // file is read to EOF and refused once it passes read_max
    // (osquery/filesystem/filesystem.cpp, checkFileReadLimit).
    for (;;) {
      const want = size > 0 ? Math.min(buf.length, size - total) : buf.length;
      if (want <= 0) break;
      const n = readSync(fd, buf, 0, want, null);
      if (n <= 0) break;
      total += n;
      if (size === 0 && total > readMax) {
        verbose("hash.ts", `Cannot read ${path} size exceeds limit: ${total} > ${readMax}`);
        return EMPTY;
      }
      const chunk = buf.subarray(0, n);
      md5.update(chunk);
      sha1.update(chunk);
      sha256.update(chunk);
    }
    return { md5: md5.digest("hex"), sha1: sha1.digest("hex"), sha256: sha256.digest("hex") };
  } catch (e) {
    logUnreadable("hash.ts", path, e);
    return EMPTY;
  } finally {
    closeSync(fd);
  }
}

