// md_drives: the member drives of each software RAID array. As osquery:
// drive_name is the device node ("/dev/sda1"), slot the drive's raid slot,
// state its GET_DISK_INFO flags as words ("active sync", "faulty", ...,
// "recovering" when none); a member with no slot takes one of the array's
// unfilled slots, and every slot still unfilled gets a row with drive_name
// "unknown" and state "removed". Member facts come from sysfs.
import { defineTable, type Row } from "../../src/table.ts";
import { MDSTAT_PATH, SYS_BLOCK, diskState, readMdArray, readMdStat } from "./mdstat.ts";

export default defineTable({
  name: "md_drives",
  columns: {
    md_device_name: "TEXT",
    drive_name: "TEXT",
    slot: "INTEGER",
    state: "TEXT",
  },
  generate() {
    return mdDriveRows(MDSTAT_PATH, SYS_BLOCK);
  },
});

export function mdDriveRows(mdstatPath: string, sysBlock: string): Row[] {
  const rows: Row[] = [];
  for (const dev of readMdStat(mdstatPath).devices) {
    const info = readMdArray(dev.name, sysBlock);
    if (!info) continue;
    const missing = new Set<number>();
    for (let i = 0; i < (info.raidDisks ?? 0); i++) missing.add(i);
    const unslotted: Row[] = [];
    const members = [...info.members].sort((a, b) => (a.slot < 0 ? 1 : b.slot < 0 ? -1 : a.slot - b.slot));
    for (const m of members) {
      const r: Row = { md_device_name: dev.name, drive_name: `/dev/${m.name}`, state: diskState(m.state) };
      if (m.slot >= 0) {
        r.slot = m.slot;
        missing.delete(m.slot);
      } else {
        unslotted.push(r);
      }
      rows.push(r);
    }
    for (const slot of missing) {
      const r = unslotted.shift();
      if (r) r.slot = slot;
      else rows.push({ md_device_name: dev.name, drive_name: "unknown", state: "removed", slot });
    }
  }
  return rows;
}
