// mounts: the mounted filesystems of /proc/mounts with statfs(2) figures.
//
// As osquery: fields are read the way getmntent(3) reads them (octal escapes
// such as \040 decoded); device_alias is the device's canonical path
// (realpath) or the device text itself; autofs mounts and mounts statfs
// cannot reach get 0 for every block and inode figure. (osquery also
// realpath()s non-path devices like "proc" against its working directory,
// which makes the result depend on where it runs; osq resolves only
// absolute device paths.) Two osquery limits are not copied
// (osquery/filesystem/linux/mounts.cpp and mounts.h): it stores every statfs
// figure in a uint32, so counts past 2^32 (a 16 TiB+ disk, XFS inode totals)
// wrap; and getmntent_r's 4096-byte buffer cuts the options of longer lines
// (overlay mounts with many layers). osq keeps the full values. A failed
// statfs is logged (at verbose level here; osquery logs an error).
import { realpathSync, statfsSync } from "node:fs";
import { verbose } from "../../src/logger/glog.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "mounts",
  columns: {
    device: "TEXT",
    device_alias: "TEXT",
    path: "TEXT",
    type: "TEXT",
    blocks_size: "BIGINT",
    blocks: "BIGINT",
    blocks_free: "BIGINT",
    blocks_available: "BIGINT",
    inodes: "BIGINT",
    inodes_free: "BIGINT",
    flags: "TEXT",
  },
  generate() {
    const text = readText("/proc/mounts");
    if (text === null) return [];
    return parseMounts(text).map((m): Row => ({
      device: m.device,
      device_alias: canonical(m.device),
      path: m.path,
      type: m.type,
      ...statfsFigures(m),
      flags: m.flags,
    }));
  },
});

export interface MountEntry {
  readonly device: string;
  readonly path: string;
  readonly type: string;
  readonly flags: string;
}

/** /proc/mounts (or any fstab-format text) as getmntent(3) reads it. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(/[ \t]+/).map(unescapeMntent);
    out.push({ device: f[0] ?? "", path: f[1] ?? "", type: f[2] ?? "", flags: f[3] ?? "" });
  }
  return out;
}

/** getmntent decodes \040 (space), \011 (tab), \012 (newline), and \134 or a doubled backslash (backslash). */
export function unescapeMntent(s: string): string {
  return s.replace(/\\(040|011|012|134|\\)/g, (_, code: string) => (code === "\\" ? "\\" : String.fromCharCode(Number.parseInt(code, 8))));
}

function canonical(device: string): string {
  if (!device.startsWith("/")) return device;
  try {
    return realpathSync(device);
  } catch {
    // osquery keeps the device as named when it cannot be resolved.
    return device;
  }
}

function statfsFigures(m: MountEntry): Row {
  const zero = { blocks_size: 0, blocks: 0, blocks_free: 0, blocks_available: 0, inodes: 0, inodes_free: 0 };
  if (m.type === "autofs") return zero;
  try {
    const s = statfsSync(m.path, { bigint: true });
    return {
      blocks_size: s.bsize,
      blocks: s.blocks,
      blocks_free: s.bfree,
      blocks_available: s.bavail,
      inodes: s.files,
      inodes_free: s.ffree,
    };
  } catch (e) {
    verbose("mounts.ts", `statfs failed on path ${m.path}: ${(e as Error).message}`);
    return zero;
  }
}
