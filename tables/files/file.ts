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
import { lstatSync, readdirSync, readlinkSync, statSync, accessSync, constants, type BigIntStats, type Dirent } from "node:fs";
import {
  GLOB_ALL,
  GLOB_FOLDERS,
  GLOB_NO_CANON,
  boostFilename,
  boostParentPath,
  entryIsLink,
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
  const want = fileColumns(ctx);
  // Without stat columns a listed entry's type is all a row needs (see fileInfo).
  const links = want.stat ? undefined : new Map<string, boolean>();
  for (const path of expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON, { root, links })) {
    ctx.checkDeadline();
    const row = fileInfo(path, boostParentPath(path), root, want, links?.get(path));
    if (row) rows.push(row);
  }
  for (const dir of expandPathConstraints(ctx, "directory", GLOB_FOLDERS | GLOB_NO_CANON, { root })) {
    if (!isReadableDirectory(root + dir)) continue;
    let entries: Dirent[];
    try {
      entries = readdirSync(root + dir, { withFileTypes: true });
    } catch (e) {
      logUnreadable("file.ts", root + dir, e);
      continue;
    }
    for (const entry of entries) {
      ctx.checkDeadline();
      const row = fileInfo(joinPath(dir, entry.name), dir, root, want, want.stat ? undefined : entryIsLink(entry));
      if (row) rows.push(row);
    }
  }
  return rows;
}

/** Columns filled from the followed stat; the rest need only lstat (symlink_target_path a readlink). */
const STAT_COLUMNS = ["inode", "uid", "gid", "mode", "device", "size", "block_size", "atime", "mtime", "ctime", "btime", "hard_links", "type"];
const NS_PER_SECOND = 1_000_000_000n;

/** Which of the costly parts of a row the query reads; everything when it does not say. */
export interface FileColumns {
  readonly stat: boolean;
  readonly target: boolean;
}

export const ALL_FILE_COLUMNS: FileColumns = { stat: true, target: true };

function fileColumns(ctx: QueryContext): FileColumns {
  return { stat: STAT_COLUMNS.some((c) => ctx.isColumnUsed(c)), target: ctx.isColumnUsed("symlink_target_path") };
}

/**
 * One row for `path` (as the query names it), or null when lstat fails.
 * `listedAsLink` is what a directory listing just said of the path: with no
 * stat column wanted, it stands for the lstat (the entry exists, and its type
 * says whether it is a link).
 */
export function fileInfo(path: string, directory: string, root = "", want: FileColumns = ALL_FILE_COLUMNS, listedAsLink?: boolean): Row | null {
  const real = root + path;
  let link: BigIntStats | null = null;
  let isLink: boolean;
  try {
    // Numbers are cheaper to make; only the stat columns need 64-bit inodes and nanoseconds.
    if (!want.stat && listedAsLink !== undefined) {
      isLink = listedAsLink;
    } else if (want.stat) {
      link = lstatSync(real, { bigint: true });
      isLink = link.isSymbolicLink();
    } else {
      isLink = lstatSync(real).isSymbolicLink();
    }
  } catch (e) {
    logUnreadable("file.ts", real, e);
    return null;
  }
  const row: Row = { path, directory, filename: boostFilename(path), symlink: isLink ? 1 : 0, pid_with_namespace: 0 };
  if (link !== null) {
    // Only a link has a target to follow: for anything else lstat is stat.
    let st = link;
    let type: string;
    if (isLink) {
      // A link whose target cannot be followed keeps its own lstat; the reason picks osquery's type.
      const followed = attempt(() => statSync(real, { bigint: true }));
      if (followed.ok) {
        st = followed.value;
        type = fileType(st);
      } else {
        const code = (followed.error as NodeJS.ErrnoException).code;
        type = code === "ENOENT" || code === "ENOTDIR" ? "unknown" : "error";
      }
    } else {
      type = fileType(link);
    }
    row.inode = st.ino;
    row.uid = st.uid;
    row.gid = st.gid;
    row.mode = lsperms(Number(st.mode));
    row.device = st.rdev;
    row.size = st.size;
    row.block_size = st.blksize;
    row.atime = st.atimeNs / NS_PER_SECOND;
    row.mtime = st.mtimeNs / NS_PER_SECOND;
    row.ctime = st.ctimeNs / NS_PER_SECOND;
    row.btime = st.birthtimeNs > 0n ? st.birthtimeNs / NS_PER_SECOND : 0;
    row.hard_links = st.nlink;
    row.type = type;
  }
  if (isLink && want.target) {
    try {
      row.symlink_target_path = readlinkSync(real);
    } catch (e) {
      logUnreadable("file.ts", real, e);
      row.symlink_target_path = "";
    }
  }
  return row;
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
