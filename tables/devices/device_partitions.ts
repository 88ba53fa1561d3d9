// device_partitions: the volume system of each `device` (= or IN: a device
// node or a disk image file), one row per entry libtsk lists, as osquery's
// sleuthkit tables show it: the partition tables and gaps too ("meta",
// "unallocated"). A partition holding a file system libtsk recognises takes
// its type, flags, offset and geometry from that file system; others from the
// volume. No rows when libtsk is missing or the device has no partition table.
import { openDevice } from "../../src/linux/libtsk.ts";
import { PART_FLAG_META, PART_FLAG_UNALLOC } from "../../src/linux/libtsk.ts";
import { compareBytes } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "device_partitions",
  columns: {
    device: "TEXT required",
    partition: "INTEGER",
    label: "TEXT",
    type: "TEXT",
    offset: "BIGINT",
    blocks_size: "BIGINT",
    blocks: "BIGINT",
    inodes: "BIGINT",
    flags: "INTEGER",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const device of ctx.equals("device").sort(compareBytes)) {
      const dev = openDevice(device);
      if (!dev) continue;
      try {
        for (const part of dev.partitions()) {
          const row: Row = { device, partition: part.addr, label: part.desc ?? undefined, flags: 0 };
          row.type = part.flags & PART_FLAG_META ? "meta" : part.flags & PART_FLAG_UNALLOC ? "unallocated" : "normal";
          const fs = dev.openFileSystem(part);
          if (!fs) {
            row.offset = part.start * BigInt(dev.blockSize);
            row.blocks_size = dev.blockSize;
            row.blocks = part.len;
            row.inodes = -1;
            row.flags = part.flags;
          } else {
            try {
              row.type = fs.typeName;
              row.flags = fs.flags;
              row.offset = fs.offset;
              row.blocks_size = fs.blockSize;
              row.blocks = fs.blockCount;
              row.inodes = fs.inumCount;
            } finally {
              fs.close();
            }
          }
          rows.push(row);
        }
      } finally {
        dev.close();
      }
    }
    return rows;
  },
});
