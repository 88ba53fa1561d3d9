// lxd_instance_config: every config key of the named LXD containers
// (`WHERE name = ...` is required), from /1.0/containers/<name>.
import { byteOrder, child, items, leaf, lxdGet, lxdSocketPath, mapInOrder, rowOrNull } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_instance_config",
  columns: {
    name: "TEXT required index",
    key: "TEXT",
    value: "TEXT",
  },
  generate: (ctx) => lxdInstanceConfigRows(byteOrder(ctx.equals("name")), lxdSocketPath()),
});

export async function lxdInstanceConfigRows(names: readonly string[], socket: string): Promise<Row[]> {
  const perName = await mapInOrder(names, 8, async (name) => {
    const body = await lxdGet(`/1.0/containers/${encodeURIComponent(name)}`, socket);
    if (body === undefined) return null;
    return rowOrNull(() => items(child(child(body, "metadata"), "config")).map(([key, v]): Row => ({ name, key, value: leaf(v) })));
  });
  return perName.flat();
}
