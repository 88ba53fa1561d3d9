// docker_volumes: every volume the daemon manages.
import { dockerApi, dockerSocketPath, filterQuery, idValue, list, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";

export default defineTable({
  name: "docker_volumes",
  columns: {
    name: "TEXT index",
    driver: "TEXT",
    mount_point: "TEXT",
    type: "TEXT",
  },
  generate: (ctx) => dockerVolumesRows(ctx),
});

export async function dockerVolumesRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const { query, items } = filterQuery("name", ctx.equals("name"), false);
  const body = await dockerApi(`/volumes${query}`, socket);
  return list(body, "Volumes").map((v) => ({
    // A hex name constraint that prefixes the name stands for it, as for ids (osquery's getValue).
    name: idValue(text(v, "Name"), items),
    driver: text(v, "Driver"),
    mount_point: text(v, "Mountpoint"),
    type: text(v, "Options.type"),
  }));
}
