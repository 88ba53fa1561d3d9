// docker_image_labels: one row per label of every image.
import { dockerApi, dockerSocketPath, isIdPrefix, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { labelRows } from "./common.ts";

export default defineTable({
  name: "docker_image_labels",
  columns: {
    id: "TEXT index collate=nocase",
    key: "TEXT",
    value: "TEXT",
  },
  generate: (ctx) => dockerImageLabelsRows(ctx),
});

export async function dockerImageLabelsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  // The image list has no id filter, so prefixes are only mapped back onto rows.
  const images = await dockerApi("/images/json", socket);
  return labelRows(list(images), "id", "Id", new Set(ctx.equals("id").filter(isIdPrefix)));
}
