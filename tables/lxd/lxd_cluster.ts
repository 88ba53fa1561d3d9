// lxd_cluster: this LXD server's cluster settings (/1.0/cluster): one row
// with the server name and whether clustering is enabled. osquery fills the
// member_config_* columns in a loop over member_config without emitting a row
// per entry, so the row carries the LAST entry's values; a member_config
// entry missing its entity, name, key or description drops the row.
import { bool, child, items, lxdGet, lxdSocketPath, rowOrNull, text } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_cluster",
  columns: {
    server_name: "TEXT",
    enabled: "INTEGER",
    member_config_entity: "TEXT",
    member_config_name: "TEXT",
    member_config_key: "TEXT",
    member_config_value: "TEXT",
    member_config_description: "TEXT",
  },
  generate: () => lxdClusterRows(lxdSocketPath()),
});

export async function lxdClusterRows(socket: string): Promise<Row[]> {
  const body = await lxdGet("/1.0/cluster", socket);
  if (body === undefined) return [];
  const row = rowOrNull((): Row => {
    const m = child(body, "metadata");
    const r: Row = { server_name: text(m, "server_name"), enabled: bool(m, "enabled") ? 1 : 0 };
    for (const [, entry] of items(child(m, "member_config"))) {
      r.member_config_entity = text(entry, "entity");
      r.member_config_name = text(entry, "name");
      r.member_config_key = text(entry, "key");
      r.member_config_value = text(entry, "value", "");
      r.member_config_description = text(entry, "description");
    }
    return r;
  });
  return row === null ? [] : [row];
}
