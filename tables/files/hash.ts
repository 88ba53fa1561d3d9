// hash: md5, sha1 and sha256 of regular files named by `path` (=, IN, LIKE)
// or found one level inside directories named by `directory` (=, IN, LIKE).
//
// As osquery: only paths that are regular files after following links are
// hashed (directories and devices are skipped); a file osquery would refuse
// to read (over --read_max, 50 MiB by default, or unreadable) still gets a
// row, with empty digests. Files whose stat size is 0 (e.g. /proc files) are read to
// their end, as osquery reads "special" files in blocks.
import { closeSync, fstatSync, openSync, readSync, readdirSync } from "node:fs";
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
  // Only the digests the query reads are computed; none at all when it reads none.
  const digests = DIGESTS.filter((d) => ctx.isColumnUsed(d));
  // One query may name a file twice (a path and its directory): hash it once.
  const cache = new Map<string, FileHashes>();
  const hashOnce = (path: string): FileHashes => {
    let h = cache.get(path);
    if (!h) {
      h = hashFile(root + path, flags.num("read_max"), digests);
      cache.set(path, h);
    }
    return h;
  };

  for (const path of expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON, { root })) {
    // Hashing is the slow part: a query past its deadline stops between files.
    ctx.checkDeadline();
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
      ctx.checkDeadline();
      if (!isRegularFile(root + path)) continue;
      rows.push({ path, directory: dir, ...hashOnce(path), pid_with_namespace: 0 });
    }
  }
  return rows;
}

export type Digest = "md5" | "sha1" | "sha256";
const DIGESTS: readonly Digest[] = ["md5", "sha1", "sha256"];

/** The hex digests asked for, by name. */
export type FileHashes = Partial<Readonly<Record<Digest, string>>>;

/** Each asked digest as "": what osquery reports for a file it would not read. */
function empty(digests: readonly Digest[]): FileHashes {
  return Object.fromEntries(digests.map((d) => [d, ""]));
}

/**
 * One read buffer for every hash: hashing is synchronous, so it is never
 * shared, and file_events hashes a file per event, where a fresh 64 KiB
 * buffer each time left the garbage collector hundreds of MB behind.
 */
const scratch = Buffer.allocUnsafe(64 * 1024);

const ONE_SHOT: Readonly<Record<Digest, (data: Uint8Array) => string>> = {
  md5: (data) => Bun.MD5.hash(data, "hex"),
  sha1: (data) => Bun.SHA1.hash(data, "hex"),
  sha256: (data) => Bun.SHA256.hash(data, "hex"),
};

/**
 * A file that fits the buffer, read whole and hashed in one call per digest:
 * no hasher objects, whose native memory the garbage collector does not see
 * (file_events hashes one file per event).
 */
function smallFileHashes(fd: number, size: number, digests: readonly Digest[]): FileHashes {
  let total = 0;
  while (total < size) {
    const n = readSync(fd, scratch, total, size - total, null);
    if (n <= 0) break;
    total += n;
  }
  const data = scratch.subarray(0, total);
  return Object.fromEntries(digests.map((d) => [d, ONE_SHOT[d](data)]));
}

/** Streams the file once through the asked digests (all three by default); empty ones when osquery would not read it. */
export function hashFile(path: string, readMax: number = flags.num("read_max"), digests: readonly Digest[] = DIGESTS): FileHashes {
  if (digests.length === 0) return {};
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    logUnreadable("hash.ts", path, e);
    return empty(digests);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > readMax) {
      verbose("hash.ts", `Cannot read ${path} size exceeds limit: ${size} > ${readMax}`);
      return empty(digests);
    }
    if (size > 0 && size <= scratch.length) return smallFileHashes(fd, size, digests);
    const hashers = digests.map((d) => new Bun.CryptoHasher(d));
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
        return empty(digests);
      }
      const chunk = buf.subarray(0, n);
      for (const h of hashers) h.update(chunk);
    }
    return Object.fromEntries(digests.map((d, i) => [d, hashers[i]!.digest("hex")]));
  } catch (e) {
    logUnreadable("hash.ts", path, e);
    return empty(digests);
  } finally {
    closeSync(fd);
  }
}
