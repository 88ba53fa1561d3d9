// lxd_instances: LXD containers with their image properties and live state,
// from the LXD API (/1.0/containers, as osquery asks for compatibility; each
// container, then its /metadata and /state). `WHERE name = ...` fetches just
// those containers. A container missing a core field (name, status,
// stateful, ephemeral, created_at, config volatile.base_image) is left out, as
// in osquery; missing image metadata or state only leaves those columns empty.
import { bool, byteOrder, child, int, listUrls, lxdGet, lxdSocketPath, mapInOrder, partial, rowOrNull, subResource, text } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_instances",
  columns: {
    name: "TEXT index",
    status: "TEXT",
    stateful: "INTEGER",
    ephemeral: "INTEGER",
    created_at: "TEXT",
    base_image: "TEXT",
    architecture: "TEXT",
    os: "TEXT",
    description: "TEXT",
    pid: "INTEGER",
    processes: "INTEGER",
  },
  generate: (ctx) => lxdInstancesRows(byteOrder(ctx.equals("name")), lxdSocketPath()),
});

export async function lxdInstancesRows(names: readonly string[], socket: string): Promise<Row[]> {
  const urls = names.length > 0 ? names.map((n) => `/1.0/containers/${encodeURIComponent(n)}`) : await listUrls("/1.0/containers", socket);
  return mapInOrder(urls, 8, (url) => instanceRow(url, socket));
}

async function instanceRow(url: string, socket: string): Promise<Row | null> {
  const body = await lxdGet(url, socket);
  if (body === undefined) return null;
  const row = rowOrNull((): Row => {
    const m = child(body, "metadata");
    return {
      name: text(m, "name"),
      status: text(m, "status"),
      stateful: bool(m, "stateful") ? 1 : 0,
      ephemeral: bool(m, "ephemeral") ? 1 : 0,
      created_at: text(m, "created_at"),
      base_image: text(child(m, "config"), "volatile.base_image"),
    };
  });
  if (row === null) return null;
  const [metadata, state] = await Promise.all([lxdGet(subResource(url, "/metadata"), socket), lxdGet(subResource(url, "/state"), socket)]);
  if (metadata !== undefined) {
    partial(() => {
      const p = child(child(metadata, "metadata"), "properties");
      row.description = text(p, "description");
      row.os = text(p, "os");
      row.architecture = text(p, "architecture");
    });
  }
  if (state !== undefined) {
    partial(() => {
      const s = child(state, "metadata");
      row.pid = int(s, "pid");
      row.processes = int(s, "processes");
    });
  }
  return row;
}
