// file: stat(2) facts about paths named by `path` (=, IN, LIKE) or about the
// entries of directories named by `directory` (=, IN, LIKE; one level).
//
// As osquery: LIKE patterns are expanded on disk (src/linux/glob.ts), so
// directories found that way carry a trailing "/" (filename "."); lstat
// decides whether a path exists and whether it is a symlink, then stat (which
// follows links) supplies the other fields, falling back to the lstat data
// for a dangling link; `type` comes from following the link ("unknown" when
// the target is missing, "error" when it cannot be stat'ed). Times are whole
// seconds. osquery (tables/utility/file.cpp) reports btime 0 on Linux, taking
// it for unavailable; osq deliberately reads the real birth time via statx
// where the filesystem records one (0 otherwise).
import { lstatSync, readdirSync, readlinkSync, statSync, accessSync, constants, type BigIntStats } from "node:fs";
import {
  GLOB_ALL,
  GLOB_FOLDERS,
  GLOB_NO_CANON,
  boostFilename,
  boostParentPath,
  expandPathConstraints,
  joinPath,
} from "../../src/linux/glob.ts";
import { forEachNamespace, type NamespaceTarget } from "../../src/linux/namespaces.ts";
import { attempt } from "../../src/result.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { logUnreadable, lsperms } from "../../src/linux/fs.ts";
export { lsperms };

export default defineTable({
  name: "file",
  utility: true,
  columns: {
    path: "TEXT required index optimized",
    directory: "TEXT required optimized",
    filename: "TEXT",
    inode: "BIGINT",
    uid: "BIGINT",
    gid: "BIGINT",
    mode: "TEXT",
    device: "BIGINT",
    size: "BIGINT",
    block_size: "INTEGER",
    atime: "BIGINT",
    mtime: "BIGINT",
    ctime: "BIGINT",
    btime: "BIGINT",
    hard_links: "INTEGER",
    symlink: "INTEGER",
    type: "TEXT",
    symlink_target_path: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
    mount_namespace_id: "TEXT hidden",
    attributes: "TEXT platform",
    volume_serial: "TEXT platform",
    file_id: "TEXT platform",
    file_version: "TEXT platform",
    product_version: "TEXT platform",
    original_filename: "TEXT platform",
    shortcut_target_path: "TEXT platform",
    shortcut_target_type: "TEXT platform",
    shortcut_target_location: "TEXT platform",
    shortcut_start_in: "TEXT platform",
    shortcut_run: "TEXT platform",
    shortcut_comment: "TEXT platform",
    bsd_flags: "TEXT platform",
  },
  generate(ctx) {
    return forEachNamespace(ctx, (ns) => fileRows(ctx, ns));
  },
});

function fileRows(ctx: QueryContext, ns: NamespaceTarget): Row[] {
  const rows: Row[] = [];
  const root = ns.root;
  for (const path of expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON, { root })) {
    ctx.checkDeadline();
    const row = fileInfo(path, boostParentPath(path), root);
    if (row) rows.push(row);
  }
  for (const dir of expandPathConstraints(ctx, "directory", GLOB_FOLDERS | GLOB_NO_CANON, { root })) {
    if (!isReadableDirectory(root + dir)) continue;
    let names: string[];
    try {
      names = readdirSync(root + dir);
    } catch (e) {
      logUnreadable("file.ts", root + dir, e);
      continue;
    }
    for (const name of names) {
      ctx.checkDeadline();
      const row = fileInfo(joinPath(dir, name), dir, root);
      if (row) rows.push(row);
    }
  }
  return rows;
}

/** One row for `path` (as the query names it), or null when lstat fails. */
export function fileInfo(path: string, directory: string, root = ""): Row | null {
  const real = root + path;
  let link: BigIntStats;
  try {
    link = lstatSync(real, { bigint: true });
  } catch (e) {
    logUnreadable("file.ts", real, e);
    return null;
  }
  const isLink = link.isSymbolicLink();
  // A link whose target cannot be followed keeps its own lstat; the reason picks osquery's type.
  const followed = attempt(() => statSync(real, { bigint: true }));
  const st = followed.ok ? followed.value : link;
  const code = followed.ok ? undefined : (followed.error as NodeJS.ErrnoException).code;
  const type = followed.ok ? fileType(followed.value) : code === "ENOENT" || code === "ENOTDIR" ? "unknown" : "error";
  let target: string | undefined;
  if (isLink) {
    try {
      target = readlinkSync(real);
    } catch (e) {
      logUnreadable("file.ts", real, e);
      target = "";
    }
  }
  return {
    path,
    directory,
    filename: boostFilename(path),
    inode: st.ino,
    uid: st.uid,
    gid: st.gid,
    mode: lsperms(Number(st.mode)),
    device: st.rdev,
    size: st.size,
    block_size: st.blksize,
    atime: st.atimeNs / 1_000_000_000n,
    mtime: st.mtimeNs / 1_000_000_000n,
    ctime: st.ctimeNs / 1_000_000_000n,
    btime: st.birthtimeNs > 0n ? st.birthtimeNs / 1_000_000_000n : 0,
    hard_links: st.nlink,
    symlink: isLink ? 1 : 0,
    type,
    symlink_target_path: target,
    pid_with_namespace: 0,
  };
}


/** boost::filesystem's file_type names, as osquery's file table prints them. */
export function fileType(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isFile()) return "regular";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isBlockDevice()) return "block";
  if (st.isCharacterDevice()) return "character";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return "unknown";
}

function isReadableDirectory(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isDirectory();
  } catch {
    // Not a readable directory is the whole answer; the directory loop skips it.
    return false;
  }
}
