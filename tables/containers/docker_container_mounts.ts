// docker_container_mounts: the mounts of every container, from the
// container list's Mounts entries.
import { dockerSocketPath, flag, list, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { containerId, listContainers } from "./common.ts";

export default defineTable({
  name: "docker_container_mounts",
  columns: {
    id: "TEXT index collate=nocase",
    type: "TEXT",
    name: "TEXT index",
    source: "TEXT",
    destination: "TEXT",
    driver: "TEXT",
    mode: "TEXT",
    rw: "INTEGER",
    propagation: "TEXT",
  },
  generate: (ctx) => dockerContainerMountsRows(ctx),
});

export async function dockerContainerMountsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  if (!listed) return [];
  return listed.items.flatMap((c) =>
    list(c, "Mounts").map((m) => ({
      id: containerId(c, listed.ids),
      type: text(m, "Type"),
      name: text(m, "Name"),
      source: text(m, "Source"),
      destination: text(m, "Destination"),
      driver: text(m, "Driver"),
      mode: text(m, "Mode"),
      rw: flag(m, "RW"),
      propagation: text(m, "Propagation"),
    })),
  );
}
