// lxd_networks: LXD's networks (/1.0/networks, then each network and its
// /state): addresses from the config, the users as instance names, and the
// interface counters, MAC, state and MTU. A network without config or
// used_by is left out, as in osquery; a missing state only leaves the
// counters empty.
import { bool, child, int, items, leaf, lxdGet, lxdSocketPath, listUrls, mapInOrder, partial, rowOrNull, subResource, text, u64 } from "../../src/linux/lxd.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "lxd_networks",
  columns: {
    name: "TEXT",
    type: "TEXT",
    managed: "INTEGER",
    ipv4_address: "TEXT",
    ipv6_address: "TEXT",
    used_by: "TEXT",
    bytes_received: "BIGINT",
    bytes_sent: "BIGINT",
    packets_received: "BIGINT",
    packets_sent: "BIGINT",
    hwaddr: "TEXT",
    state: "TEXT",
    mtu: "INTEGER",
  },
  generate: () => lxdNetworksRows(lxdSocketPath()),
});

/** A used_by entry as osquery shows it: instance URLs shortened to the instance name. */
export function networkUser(url: string): string {
  if (url.startsWith("/1.0/containers/")) return url.slice(16);
  if (url.startsWith("/1.0/instances/")) return url.slice(15);
  return url;
}

export async function lxdNetworksRows(socket: string): Promise<Row[]> {
  return mapInOrder(await listUrls("/1.0/networks", socket), 8, async (url) => {
    const body = await lxdGet(url, socket);
    if (body === undefined) return null;
    const row = rowOrNull((): Row => {
      const m = child(body, "metadata");
      const config = child(m, "config");
      return {
        name: text(m, "name"),
        type: text(m, "type"),
        managed: bool(m, "managed") ? 1 : 0,
        ipv4_address: text(config, "ipv4.address", ""),
        ipv6_address: text(config, "ipv6.address", ""),
        used_by: items(child(m, "used_by"))
          .map(([, v]) => networkUser(leaf(v)))
          .join(","),
      };
    });
    if (row === null) return null;
    const state = await lxdGet(subResource(url, "/state"), socket);
    if (state !== undefined) {
      partial(() => {
        const s = child(state, "metadata");
        const counters = child(s, "counters");
        row.bytes_received = u64(counters, "bytes_received");
        row.bytes_sent = u64(counters, "bytes_sent");
        row.packets_received = u64(counters, "packets_received");
        row.packets_sent = u64(counters, "packets_sent");
        row.hwaddr = text(s, "hwaddr");
        row.state = text(s, "state");
        row.mtu = int(s, "mtu");
      });
    }
    return row;
  });
}
