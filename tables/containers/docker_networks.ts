// docker_networks: every network, with its first IPAM subnet and gateway.
import { dockerApi, dockerSocketPath, filterQuery, flag, idValue, list, parseDockerTime, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";

export default defineTable({
  name: "docker_networks",
  columns: {
    id: "TEXT index collate=nocase",
    name: "TEXT",
    driver: "TEXT",
    created: "BIGINT",
    enable_ipv6: "INTEGER",
    subnet: "TEXT",
    gateway: "TEXT",
  },
  generate: (ctx) => dockerNetworksRows(ctx),
});

export async function dockerNetworksRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const { query, items } = filterQuery("id", ctx.equals("id"), false);
  const networks = await dockerApi(`/networks${query}`, socket);
  return list(networks).map((n) => {
    const ipam = list(n, "IPAM.Config")[0];
    return {
      id: idValue(text(n, "Id"), items),
      name: text(n, "Name"),
      driver: text(n, "Driver"),
      created: parseDockerTime(text(n, "Created"))?.seconds ?? 0,
      enable_ipv6: flag(n, "EnableIPv6"),
      subnet: ipam === undefined ? undefined : text(ipam, "Subnet"),
      gateway: ipam === undefined ? undefined : text(ipam, "Gateway"),
    };
  });
}
