// lxd_cluster_members: the members of this server's LXD cluster
// (/1.0/cluster/members, then each member): name, URL, whether it is a
// database node, and its status and status message.
import { bool, child, lxdGet, lxdSocketPath, listUrls, mapInOrder, rowOrNull, text } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_cluster_members",
  columns: {
    server_name: "TEXT",
    url: "TEXT",
    database: "INTEGER",
    status: "TEXT",
    message: "TEXT",
  },
  generate: () => lxdClusterMembersRows(lxdSocketPath()),
});

export async function lxdClusterMembersRows(socket: string): Promise<Row[]> {
  return mapInOrder(await listUrls("/1.0/cluster/members", socket), 8, async (url) => {
    const body = await lxdGet(url, socket);
    if (body === undefined) return null;
    return rowOrNull((): Row => {
      const m = child(body, "metadata");
      return { server_name: text(m, "server_name"), url: text(m, "url"), database: bool(m, "database") ? 1 : 0, status: text(m, "status"), message: text(m, "message") };
    });
  });
}
