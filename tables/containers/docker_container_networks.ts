// docker_container_networks: each network a container is attached to, from
// the container list's NetworkSettings.Networks.
import { dockerSocketPath, entries, num, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { containerId, listContainers } from "./common.ts";

export default defineTable({
  name: "docker_container_networks",
  columns: {
    id: "TEXT index collate=nocase",
    name: "TEXT index",
    network_id: "TEXT collate=nocase",
    endpoint_id: "TEXT collate=nocase",
    gateway: "TEXT",
    ip_address: "TEXT",
    ip_prefix_len: "INTEGER",
    ipv6_gateway: "TEXT",
    ipv6_address: "TEXT",
    ipv6_prefix_len: "INTEGER",
    mac_address: "TEXT collate=nocase",
  },
  generate: (ctx) => dockerContainerNetworksRows(ctx),
});

export async function dockerContainerNetworksRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  if (!listed) return [];
  return listed.items.flatMap((c) =>
    entries(c, "NetworkSettings.Networks").map(([name, n]) => ({
      id: containerId(c, listed.ids),
      name,
      network_id: text(n, "NetworkID"),
      endpoint_id: text(n, "EndpointID"),
      gateway: text(n, "Gateway"),
      ip_address: text(n, "IPAddress"),
      ip_prefix_len: num(n, "IPPrefixLen"),
      ipv6_gateway: text(n, "IPv6Gateway"),
      ipv6_address: text(n, "GlobalIPv6Address"),
      ipv6_prefix_len: num(n, "GlobalIPv6PrefixLen"),
      mac_address: text(n, "MacAddress"),
    })),
  );
}
