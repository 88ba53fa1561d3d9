// lxd_instance_devices: the devices of the named LXD containers (`WHERE name
// = ...` is required), one row per device setting other than its type, from
// the expanded_devices (profile devices included) of /1.0/containers/<name>.
import { byteOrder, child, items, leaf, lxdGet, lxdSocketPath, mapInOrder, rowOrNull, text } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_instance_devices",
  columns: {
    name: "TEXT required index",
    device: "TEXT",
    device_type: "TEXT",
    key: "TEXT",
    value: "TEXT",
  },
  generate: (ctx) => lxdInstanceDevicesRows(byteOrder(ctx.equals("name")), lxdSocketPath()),
});

export async function lxdInstanceDevicesRows(names: readonly string[], socket: string): Promise<Row[]> {
  const perName = await mapInOrder(names, 8, async (name) => {
    const body = await lxdGet(`/1.0/containers/${encodeURIComponent(name)}`, socket);
    if (body === undefined) return null;
    return rowOrNull(() =>
      items(child(child(body, "metadata"), "expanded_devices")).flatMap(([device, settings]) =>
        items(settings)
          .filter(([key]) => key !== "type")
          .map(([key, v]): Row => ({ name, device, device_type: text(settings, "type", ""), key, value: leaf(v) })),
      ),
    );
  });
  return perName.flat();
}
