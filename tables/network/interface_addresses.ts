// interface_addresses: every IPv4/IPv6 address of every interface, from
// getifaddrs(3) as osquery reads it. Addresses are in getnameinfo's numeric
// form, so a link-local IPv6 address carries its "%interface" scope. The
// entry's broadcast/destination address is `broadcast` when the interface has
// IFF_BROADCAST, else `point_to_point` (loopback shows 127.0.0.1 there).
// Without libc, os.networkInterfaces() and /sys/class/net stand in.
import { networkInterfaces } from "node:os";
import { defineTable, type Row } from "../../src/table.ts";
import { getIfAddrs, type IfAddr } from "../../src/linux/libc_net.ts";
import { readText } from "../../src/linux/proc.ts";

const IFF_BROADCAST = 0x2;

/** osquery's row for one getifaddrs entry (AF_INET/AF_INET6 entries only). */
export function addressRow(e: IfAddr): Row {
  const row: Row = { interface: e.name, type: "unknown" };
  if (e.address !== null) row.address = e.address;
  if (e.netmask !== null) row.mask = e.netmask;
  if (e.destination !== null) {
    if ((e.flags & IFF_BROADCAST) === IFF_BROADCAST) row.broadcast = e.destination;
    else row.point_to_point = e.destination;
  }
  return row;
}

/** The same rows derived without libc: broadcast is computed from address and mask. */
function fallbackRows(): Row[] {
  const rows: Row[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const flags = Number.parseInt(readText(`/sys/class/net/${name}/flags`)?.trim() ?? "0", 16) || 0;
    for (const a of addrs ?? []) {
      const row: Row = { interface: name, type: "unknown", mask: a.netmask };
      if (a.family === "IPv6") {
        row.address = a.scopeid ? `${a.address}%${name}` : a.address;
      } else {
        row.address = a.address;
        const ip = a.address.split(".").map(Number);
        const mask = a.netmask.split(".").map(Number);
        const other = ip.map((b, i) => (b & (mask[i] ?? 0)) | (~(mask[i] ?? 0) & 0xff)).join(".");
        if (flags & IFF_BROADCAST) row.broadcast = other;
        else row.point_to_point = a.address;
      }
      rows.push(row);
    }
  }
  return rows;
}

export default defineTable({
  name: "interface_addresses",
  cacheable: true,
  columns: {
    interface: "TEXT",
    address: "TEXT",
    mask: "TEXT",
    broadcast: "TEXT",
    point_to_point: "TEXT",
    type: "TEXT",
    friendly_name: "TEXT platform",
  },
  generate() {
    const entries = getIfAddrs();
    if (entries === null) return fallbackRows();
    return entries.filter((e) => e.family === 2 || e.family === 10).map(addressRow);
  },
});
