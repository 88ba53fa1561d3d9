// docker_container_ports: published and exposed ports of every container.
import { dockerSocketPath, list, num, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { containerId, listContainers } from "./common.ts";

export default defineTable({
  name: "docker_container_ports",
  columns: {
    id: "TEXT additional collate=nocase",
    type: "TEXT",
    port: "INTEGER",
    host_ip: "TEXT",
    host_port: "INTEGER",
  },
  generate: (ctx) => dockerContainerPortsRows(ctx),
});

export async function dockerContainerPortsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  if (!listed) return [];
  return listed.items.flatMap((c) =>
    list(c, "Ports").map((p) => ({
      id: containerId(c, listed.ids),
      type: text(p, "Type"),
      port: num(p, "PrivatePort"),
      host_ip: text(p, "IP"),
      host_port: num(p, "PublicPort"),
    })),
  );
}
