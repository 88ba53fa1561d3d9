// md_devices: one row per software RAID array of /proc/mdstat (none when
// there is no md driver or no array). Status, size (1 KiB blocks, as mdstat
// prints), the progress lines, bitmap and "other" words come from mdstat;
// level, chunk size and disk counters from the array's sysfs directory
// (osquery's GET_ARRAY_INFO ioctl reports the same kernel state). As osquery,
// the listing stops at the first array whose details cannot be read. The
// superblock update time is not exposed by sysfs and is left empty.
import { defineTable, type Row } from "../../src/table.ts";
import { MDSTAT_PATH, SYS_BLOCK, diskCounts, readMdArray, readMdStat, superblockState } from "./mdstat.ts";

export default defineTable({
  name: "md_devices",
  columns: {
    device_name: "TEXT",
    status: "TEXT",
    raid_level: "INTEGER",
    size: "BIGINT",
    chunk_size: "BIGINT",
    raid_disks: "INTEGER",
    nr_raid_disks: "INTEGER",
    working_disks: "INTEGER",
    active_disks: "INTEGER",
    failed_disks: "INTEGER",
    spare_disks: "INTEGER",
    superblock_state: "TEXT",
    superblock_version: "TEXT",
    superblock_update_time: "BIGINT",
    bitmap_on_mem: "TEXT",
    bitmap_chunk_size: "TEXT",
    bitmap_external_file: "TEXT",
    recovery_progress: "TEXT",
    recovery_finish: "TEXT",
    recovery_speed: "TEXT",
    resync_progress: "TEXT",
    resync_finish: "TEXT",
    resync_speed: "TEXT",
    reshape_progress: "TEXT",
    reshape_finish: "TEXT",
    reshape_speed: "TEXT",
    check_array_progress: "TEXT",
    check_array_finish: "TEXT",
    check_array_speed: "TEXT",
    unused_devices: "TEXT",
    other: "TEXT",
  },
  generate() {
    return mdDeviceRows(MDSTAT_PATH, SYS_BLOCK);
  },
});

export function mdDeviceRows(mdstatPath: string, sysBlock: string): Row[] {
  const stat = readMdStat(mdstatPath);
  const rows: Row[] = [];
  for (const dev of stat.devices) {
    const info = readMdArray(dev.name, sysBlock);
    if (!info) break;
    const counts = diskCounts(info.members);
    const r: Row = {
      device_name: dev.name,
      status: dev.status,
      raid_level: info.level,
      size: dev.usableSize ?? 0,
      chunk_size: info.chunkSize,
      raid_disks: info.raidDisks,
      nr_raid_disks: counts.nr,
      working_disks: counts.working,
      active_disks: counts.active,
      failed_disks: counts.failed,
      spare_disks: counts.spare,
      superblock_state: superblockState(info),
      superblock_version: info.metadataVersion,
      other: dev.other,
      unused_devices: stat.unused,
    };
    const actions = [
      ["recovery", dev.recovery],
      ["resync", dev.resync],
      ["reshape", dev.reshape],
      ["check_array", dev.checkArray],
    ] as const;
    for (const [prefix, a] of actions) {
      if (!a.progress) continue;
      r[`${prefix}_progress`] = a.progress;
      r[`${prefix}_finish`] = a.finish;
      r[`${prefix}_speed`] = a.speed;
    }
    if (dev.bitmap.onMem) {
      r.bitmap_on_mem = dev.bitmap.onMem;
      r.bitmap_chunk_size = dev.bitmap.chunkSize;
      r.bitmap_external_file = dev.bitmap.externalFile;
    }
    rows.push(r);
  }
  return rows;
}
