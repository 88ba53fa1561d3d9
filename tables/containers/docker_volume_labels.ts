// docker_volume_labels: one row per label of every volume.
import { dockerApi, dockerSocketPath, filterQuery, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { labelRows } from "./common.ts";

export default defineTable({
  name: "docker_volume_labels",
  columns: {
    name: "TEXT index",
    key: "TEXT index",
    value: "TEXT",
  },
  generate: (ctx) => dockerVolumeLabelsRows(ctx),
});

export async function dockerVolumeLabelsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const { query, items } = filterQuery("name", ctx.equals("name"), false);
  const body = await dockerApi(`/volumes${query}`, socket);
  // Hex name constraints map as ids do (anonymous volumes have hex names).
  return labelRows(list(body, "Volumes"), "name", "Name", items);
}
