// docker_container_labels: one row per label of every container.
import { dockerSocketPath } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { labelRows, listContainers } from "./common.ts";

export default defineTable({
  name: "docker_container_labels",
  columns: {
    id: "TEXT index collate=nocase",
    key: "TEXT index",
    value: "TEXT",
  },
  generate: (ctx) => dockerContainerLabelsRows(ctx),
});

export async function dockerContainerLabelsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  return listed ? labelRows(listed.items, "id", "Id", listed.ids) : [];
}
