// docker_container_envs: the environment (Config.Env) of every container,
// one row per variable, split at the first '='.
import { dockerApi, dockerSocketPath, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { containerId, listContainers, mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_container_envs",
  columns: {
    id: "TEXT index collate=nocase",
    key: "TEXT",
    value: "TEXT",
  },
  generate: (ctx) => dockerContainerEnvsRows(ctx),
});

export async function dockerContainerEnvsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  if (!listed) return [];
  const perContainer = await mapLimit(listed.items, 8, async (c) => {
    const id = containerId(c, listed.ids);
    const details = await dockerApi(`/containers/${id}/json?stream=false`, socket);
    return list(details, "Config.Env")
      .filter((e): e is string => typeof e === "string")
      .map((e) => {
        const i = e.indexOf("=");
        // Deliberately "" for an entry without "=": osquery's substr(npos + 1)
        // wraps to 0 and repeats the whole entry as the value
        // (osquery/tables/applications/posix/docker.cpp).
        return i < 0 ? { id, key: e, value: "" } : { id, key: e.slice(0, i), value: e.slice(i + 1) };
      });
  });
  return perContainer.flat();
}
