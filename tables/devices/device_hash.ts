// device_hash: md5, sha1 and sha256 of the files at the `inode`s (=) of one
// partition of a device or disk image, read through libtsk. Requires
// `device`, `partition` and `inode`. As osquery, an empty file or one that
// cannot be read whole gets empty hashes. (osquery only hashes inodes whose
// metadata keeps a file name, which ext2/3/4 never does; osq hashes them.)
import { createHash } from "node:crypto";
import { compareBytes } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { forEachPartition } from "./common.ts";

const CHUNK = 4096;

export default defineTable({
  name: "device_hash",
  columns: {
    device: "TEXT required",
    partition: "TEXT required",
    inode: "BIGINT required",
    md5: "TEXT collate=nocase",
    sha1: "TEXT collate=nocase",
    sha256: "TEXT collate=nocase",
  },
  generate(ctx) {
    const rows: Row[] = [];
    const inodes = ctx.equals("inode").sort(compareBytes);
    forEachPartition(ctx, (device, partition, fs) => {
      for (const inode of inodes) {
        const hashes = fs.withFile(BigInt(Number.parseInt(inode, 10) || 0), (meta, readAt) => {
          const empty = { md5: "", sha1: "", sha256: "" };
          if (!meta) return null;
          const size = Number(meta.size);
          if (size === 0) return empty;
          const md5 = createHash("md5");
          const sha1 = createHash("sha1");
          const sha256 = createHash("sha256");
          for (let offset = 0; offset < size; offset += CHUNK) {
            const chunk = readAt(offset, Math.min(CHUNK, size - offset));
            if (!chunk) return empty;
            md5.update(chunk);
            sha1.update(chunk);
            sha256.update(chunk);
          }
          return { md5: md5.digest("hex"), sha1: sha1.digest("hex"), sha256: sha256.digest("hex") };
        });
        if (hashes) rows.push({ device, partition, inode, ...hashes });
      }
    });
    return rows;
  },
});
