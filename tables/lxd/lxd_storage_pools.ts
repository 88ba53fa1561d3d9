// lxd_storage_pools: LXD's storage pools (/1.0/storage-pools, then each pool
// and its /resources): driver, configured source and size (as configured,
// e.g. "30GiB"), and space and inode use (bytes and inodes).
import { child, lxdGet, lxdSocketPath, listUrls, mapInOrder, partial, rowOrNull, subResource, text, u64 } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_storage_pools",
  columns: {
    name: "TEXT",
    driver: "TEXT",
    source: "TEXT",
    size: "TEXT",
    space_used: "BIGINT",
    space_total: "BIGINT",
    inodes_used: "BIGINT",
    inodes_total: "BIGINT",
  },
  generate: () => lxdStoragePoolsRows(lxdSocketPath()),
});

export async function lxdStoragePoolsRows(socket: string): Promise<Row[]> {
  return mapInOrder(await listUrls("/1.0/storage-pools", socket), 8, async (url) => {
    const body = await lxdGet(url, socket);
    if (body === undefined) return null;
    const row = rowOrNull((): Row => {
      const m = child(body, "metadata");
      const config = child(m, "config");
      return { name: text(m, "name"), driver: text(m, "driver"), source: text(config, "source", ""), size: text(config, "size", "") };
    });
    if (row === null) return null;
    const resources = await lxdGet(subResource(url, "/resources"), socket);
    if (resources !== undefined) {
      partial(() => {
        const r = child(resources, "metadata");
        row.space_used = u64(child(r, "space"), "used");
        row.space_total = u64(child(r, "space"), "total");
        row.inodes_used = u64(child(r, "inodes"), "used");
        row.inodes_total = u64(child(r, "inodes"), "total");
      });
    }
    return row;
  });
}
