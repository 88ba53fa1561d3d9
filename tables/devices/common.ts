// What device_file and device_hash share: the one partition a query names,
// opened as osquery's DeviceHelper does (device, volume system, then the file
// system of the partition whose address matches).
import { openDevice, type FileSystem } from "../../src/linux/libtsk.ts";
import { compareBytes } from "../../src/linux/glob.ts";
import type { QueryContext } from "../../src/table.ts";

/**
 * Runs `fn` with each named device's file system in the partition named by
 * `partition` (the first of its values in sorted order, as osquery takes
 * `*parts.begin()`). Devices that cannot be opened, or whose partition holds
 * no file system libtsk knows, contribute nothing.
 */
export function forEachPartition(ctx: QueryContext, fn: (device: string, partition: string, fs: FileSystem) => void): void {
  const partition = ctx.equals("partition").sort(compareBytes)[0];
  if (partition === undefined) return;
  for (const device of ctx.equals("device").sort(compareBytes)) {
    const dev = openDevice(device);
    if (!dev) continue;
    try {
      for (const part of dev.partitions()) {
        if (String(part.addr) !== partition) continue;
        const fs = dev.openFileSystem(part);
        if (!fs) continue;
        try {
          fn(device, partition, fs);
        } finally {
          fs.close();
        }
      }
    } finally {
      dev.close();
    }
  }
}
