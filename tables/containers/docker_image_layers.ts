// docker_image_layers: the root filesystem layers of each image, base layer
// first (layer_order 1).
import { dockerApi, dockerSocketPath, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { imageIds, mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_image_layers",
  columns: {
    id: "TEXT index collate=nocase",
    layer_id: "TEXT collate=nocase",
    layer_order: "INTEGER",
  },
  generate: (ctx) => dockerImageLayersRows(ctx),
});

export async function dockerImageLayersRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const ids = await imageIds(ctx, socket);
  const perImage = await mapLimit(ids, 8, async (id) => {
    const image = await dockerApi(`/images/${id}/json`, socket);
    return list(image, "RootFS.Layers")
      .filter((l): l is string => typeof l === "string")
      .map((layer, i) => ({ id, layer_id: layer.replace(/^sha256:/, ""), layer_order: i + 1 }));
  });
  return perImage.flat();
}
