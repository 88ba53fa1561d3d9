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
import { closeSync, openSync, readdirSync, readlinkSync, statSync, accessSync, constants, type Dirent } from "node:fs";
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
import { fileTypeName, isSymlinkMode, lstatIn, lstatPath, statPath, type FileStat } from "../../src/linux/stat.ts";
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
    const row = fileInfo(path, boostParentPath(path), root, want, { isLink: links?.get(path) });
    if (row) rows.push(row);
  }
  for (const dir of expandPathConstraints(ctx, "directory", GLOB_FOLDERS | GLOB_NO_CANON, { root })) {
    if (!isReadableDirectory(root + dir)) continue;
    const listing = listDirectory(root + dir, want.stat);
    if (listing === null) continue;
    try {
      for (const entry of listing.entries) {
        ctx.checkDeadline();
        const name = typeof entry === "string" ? entry : entry.name;
        const listed: Listed = typeof entry === "string" ? { dirfd: listing.fd, name } : { isLink: entryIsLink(entry) };
        const row = fileInfo(joinPath(dir, name), dir, root, want, listed);
        if (row) rows.push(row);
      }
    } finally {
      if (listing.fd >= 0) closeSync(listing.fd);
    }
  }
  return rows;
}

/**
 * A directory's entries and, when each is to be stat'ed, a descriptor of it
 * to stat them by (-1 when it cannot be opened: paths then serve). Without
 * stat columns the entries' types from the listing are what a row needs.
 */
function listDirectory(dir: string, stat: boolean): { entries: string[] | Dirent[]; fd: number } | null {
  let entries: string[] | Dirent[];
  try {
    entries = stat ? readdirSync(dir) : readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    logUnreadable("file.ts", dir, e);
    return null;
  }
  let fd = -1;
  if (stat) {
    try {
      fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (e) {
      logUnreadable("file.ts", dir, e);
    }
  }
  return { entries, fd };
}

/** Columns filled from the followed stat; the rest need only lstat (symlink_target_path a readlink). */
const STAT_COLUMNS = ["inode", "uid", "gid", "mode", "device", "size", "block_size", "atime", "mtime", "ctime", "btime", "hard_links", "type"];

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
 * What a directory listing already knows of one of its entries: the
 * descriptor of the directory to lstat it by (`dirfd`, with `name`), or,
 * when no stat column is wanted, whether it is a link (`isLink`, standing for
 * the lstat: the entry exists, and its type says; undefined when the
 * filesystem gave no type).
 */
export interface Listed {
  readonly dirfd?: number;
  readonly name?: string;
  readonly isLink?: boolean | undefined;
}

/** One row for `path` (as the query names it), or null when lstat fails. */
export function fileInfo(path: string, directory: string, root = "", want: FileColumns = ALL_FILE_COLUMNS, listed: Listed = {}): Row | null {
  const real = root + path;
  let link: FileStat | null = null;
  let isLink: boolean;
  try {
    if (!want.stat && listed.isLink !== undefined) {
      isLink = listed.isLink;
    } else {
      link = listed.dirfd !== undefined && listed.dirfd >= 0 && listed.name !== undefined ? lstatIn(listed.dirfd, listed.name, real) : lstatPath(real);
      isLink = isSymlinkMode(link.mode);
    }
  } catch (e) {
    logUnreadable("file.ts", real, e);
    return null;
  }
  const row: Row = { path, directory, filename: boostFilename(path), symlink: isLink ? 1 : 0, pid_with_namespace: 0 };
  if (link !== null && want.stat) {
    // Only a link has a target to follow: for anything else lstat is stat.
    let st = link;
    let type: string;
    if (isLink) {
      // A link whose target cannot be followed keeps its own lstat; the reason picks osquery's type.
      const followed = attempt(() => statPath(real));
      if (followed.ok) {
        st = followed.value;
        type = fileTypeName(st.mode);
      } else {
        const code = (followed.error as NodeJS.ErrnoException).code;
        type = code === "ENOENT" || code === "ENOTDIR" ? "unknown" : "error";
      }
    } else {
      type = fileTypeName(link.mode);
    }
    row.inode = st.ino;
    row.uid = st.uid;
    row.gid = st.gid;
    row.mode = lsperms(st.mode);
    row.device = st.rdev;
    row.size = st.size;
    row.block_size = st.blksize;
    row.atime = st.atime;
    row.mtime = st.mtime;
    row.ctime = st.ctime;
    row.btime = st.btime;
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

function isReadableDirectory(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isDirectory();
  } catch {
    // Not a readable directory is the whole answer; the directory loop skips it.
    return false;
  }
}
