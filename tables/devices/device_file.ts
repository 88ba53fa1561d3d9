// device_file: files of one partition of a device or disk image, read through
// libtsk without mounting it. With neither `path` nor `inode` the partition is
// walked from its root as osquery does (regular files only, directories
// descended in inode order, at most 1,025 directories and 10,240 entries);
// `path` (=) names files by path and `inode` (=) by inode. Requires `device`
// and exactly one `partition` (an address from device_partitions).
//
// As osquery, `mode` is the permission bits in decimal and `ctime` is the
// creation time (libtsk's crtime). Where osquery names an inode's file by the
// name kept in its metadata, which only FAT and NTFS keep, an ext2/3/4 inode
// still gives its row here, with an empty path (osquery gives none).
import { boostFilename, compareBytes, joinPath } from "../../src/linux/glob.ts";
import { type FileMeta, type FileSystem, META_TYPE_DIR, META_TYPE_REG } from "../../src/linux/libtsk.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { forEachPartition } from "./common.ts";

const TYPE_NAMES: Readonly<Record<number, string>> = { 1: "regular", 2: "directory", 6: "symlink", 5: "block", 4: "character", 3: "fifo", 8: "socket" };
const MAX_DIRECTORIES = 1024;
const MAX_ENTRIES = 1024 * 10;

export default defineTable({
  name: "device_file",
  columns: {
    device: "TEXT required index",
    partition: "TEXT required index",
    path: "TEXT additional",
    filename: "TEXT",
    inode: "BIGINT index",
    uid: "BIGINT",
    gid: "BIGINT",
    mode: "TEXT",
    size: "BIGINT",
    block_size: "INTEGER",
    atime: "BIGINT",
    mtime: "BIGINT",
    ctime: "BIGINT",
    hard_links: "INTEGER",
    type: "TEXT",
  },
  generate(ctx) {
    if (ctx.equals("device").length === 0 || ctx.equals("partition").length !== 1) {
      verbose("sleuthkit.cpp", "Device files require at least one device and a single partition");
      return [];
    }
    const rows: Row[] = [];
    const paths = ctx.equals("path").sort(compareBytes);
    const inodes = ctx.equals("inode").sort(compareBytes);
    forEachPartition(ctx, (device, partition, fs) => {
      const row = (path: string, meta: FileMeta | null): Row => fileRow(device, partition, fs, path, meta);
      if (paths.length === 0 && inodes.length === 0) walk(fs, rows, row);
      for (const path of paths) {
        const r = fs.withFile(path, (meta) => row(path, meta));
        if (r) rows.push(r);
      }
      for (const inode of inodes) {
        const r = fs.withFile(BigInt(Number.parseInt(inode, 10) || 0), (meta) => (meta ? row(meta.name2 ?? "", meta) : null));
        if (r) rows.push(r);
      }
    });
    return rows;
  },
});

function fileRow(device: string, partition: string, fs: FileSystem, path: string, meta: FileMeta | null): Row {
  const row: Row = { device, partition, path, filename: path === "" ? "" : boostFilename(path), block_size: fs.blockSize };
  if (meta) {
    Object.assign(row, {
      inode: meta.addr,
      uid: meta.uid,
      gid: meta.gid,
      mode: String(meta.mode),
      size: meta.size,
      atime: meta.atime,
      mtime: meta.mtime,
      ctime: meta.crtime,
      hard_links: meta.nlink,
      type: TYPE_NAMES[meta.type] ?? "unknown",
    });
  }
  return row;
}

function walk(fs: FileSystem, rows: Row[], row: (path: string, meta: FileMeta) => Row): void {
  let directories = 0;
  let entries = 0;
  const visited = new Set<string>();
  const visit = (inum: bigint, path: string): void => {
    if (directories++ > MAX_DIRECTORIES) return;
    const list = fs.listDir(inum);
    if (!list) return;
    const subdirs = new Map<bigint, string>();
    for (const e of list) {
      if (entries++ > MAX_ENTRIES) break;
      if (!e.meta) continue;
      const leaf = e.name === null ? "" : joinPath(path, e.name);
      if (e.meta.type === META_TYPE_REG) rows.push(row(leaf, e.meta));
      else if (e.meta.type === META_TYPE_DIR && e.name !== null && e.name !== "." && e.name !== "..") subdirs.set(e.meta.addr, leaf);
    }
    for (const [addr, sub] of [...subdirs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (visited.has(sub)) continue;
      visit(addr, sub);
      visited.add(sub);
    }
  };
  visit(fs.rootInum, "/");
}
