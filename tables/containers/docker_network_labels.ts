// docker_network_labels: one row per label of every network.
import { dockerApi, dockerSocketPath, filterQuery, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { labelRows } from "./common.ts";

export default defineTable({
  name: "docker_network_labels",
  columns: {
    id: "TEXT index collate=nocase",
    key: "TEXT",
    value: "TEXT",
  },
  generate: (ctx) => dockerNetworkLabelsRows(ctx),
});

export async function dockerNetworkLabelsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const { query, items } = filterQuery("id", ctx.equals("id"), false);
  const networks = await dockerApi(`/networks${query}`, socket);
  return labelRows(list(networks), "id", "Id", items);
}
