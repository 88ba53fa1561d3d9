// docker_image_history: the build steps of each image, newest first, as
// `docker history` lists them.
import { dockerApi, dockerSocketPath, joined, list, num, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { imageIds, mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_image_history",
  columns: {
    id: "TEXT index collate=nocase",
    created: "BIGINT",
    size: "BIGINT",
    created_by: "TEXT",
    tags: "TEXT",
    comment: "TEXT",
  },
  generate: (ctx) => dockerImageHistoryRows(ctx),
});

export async function dockerImageHistoryRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const ids = await imageIds(ctx, socket);
  const perImage = await mapLimit(ids, 8, async (id) => {
    const history = await dockerApi(`/images/${id}/history`, socket);
    return list(history).map((h) => ({
      id,
      created: num(h, "Created"),
      size: num(h, "Size"),
      created_by: text(h, "CreatedBy"),
      tags: joined(h, "Tags", ","),
      comment: text(h, "Comment"),
    }));
  });
  return perImage.flat();
}
