// docker_images: every image the daemon has, with its tags.
import { dockerApi, dockerSocketPath, idValue, joined, list, num, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";

export default defineTable({
  name: "docker_images",
  columns: {
    id: "TEXT collate=nocase",
    created: "BIGINT",
    size_bytes: "BIGINT",
    tags: "TEXT",
  },
  generate: (ctx) => dockerImagesRows(ctx),
});

export async function dockerImagesRows(_ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const images = await dockerApi("/images/json", socket);
  return list(images).map((i) => ({
    id: idValue(text(i, "Id"), new Set()),
    created: num(i, "Created"),
    size_bytes: num(i, "Size"),
    tags: joined(i, "RepoTags", ","),
  }));
}
