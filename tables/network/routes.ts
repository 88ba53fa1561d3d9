// routes: the kernel's routing tables (every table, both families), read as
// osquery reads them: an rtnetlink RTM_GETROUTE dump. When netlink cannot be
// used, /proc/net/route (IPv4 main table) and /proc/net/ipv6_route stand in;
// they lack the preferred source, route flags, MTU/hop-limit metrics and the
// IPv4 local table.
//
// osquery's conventions: netmask is the prefix length, but 0 for host routes
// (/32, /128) that carry a destination; a route without destination is
// 0.0.0.0 or ::; type is gateway (unicast), local, broadcast, anycast or other;
// flags are the rtmsg flags.
import { defineTable, type Row } from "../../src/table.ts";
import { netlinkDump, interfaceName } from "../../src/linux/libc_net.ts";
import { formatIPv4, formatIPv6, ipv6FromHex, prefixLength } from "../../src/linux/inet.ts";
import { readText } from "../../src/linux/proc.ts";

const NETLINK_ROUTE = 0;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_METRICS = 8;
const RTAX_MTU = 2;
const RTAX_HOPLIMIT = 10;

const ROUTE_TYPES: Record<number, string> = { 1: "gateway", 2: "local", 3: "broadcast", 4: "anycast" };

function ipText(family: number, data: Uint8Array): string {
  if (family === 2 && data.length >= 4) return formatIPv4(data);
  if (family === 10 && data.length >= 16) return formatIPv6(data);
  return ""; // inet_ntop fails for other families; osquery keeps "".
}

/** Walks rtattr records: [type, payload] pairs. */
function* attributes(buf: Uint8Array, start: number): Generator<[number, Uint8Array]> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = start;
  while (off + 4 <= buf.length) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > buf.length) return;
    yield [view.getUint16(off + 2, true), buf.subarray(off + 4, off + len)];
    off += (len + 3) & ~3;
  }
}

function u32(data: Uint8Array): number {
  return data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) : 0;
}

function i32(data: Uint8Array): number {
  return data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true) : 0;
}

/** One route from the body of an RTM_NEWROUTE message (struct rtmsg + attributes). */
export function parseRouteMessage(body: Uint8Array, ifname: (index: number) => string | null): Row | null {
  if (body.length < 12) return null;
  const family = body[0] ?? 0;
  const dstLen = body[1] ?? 0;
  const type = body[7] ?? 0;
  const flags = new DataView(body.buffer, body.byteOffset, 12).getUint32(8, true);
  const row: Row = { metric: 0, hopcount: 0, mtu: 0 };
  let mask = 0;
  let hasDestination = false;
  for (const [t, data] of attributes(body, 12)) {
    switch (t) {
      case RTA_OIF:
        row.interface = ifname(u32(data)) ?? "";
        break;
      case RTA_GATEWAY:
        row.gateway = ipText(family, data);
        break;
      case RTA_PREFSRC:
        row.source = ipText(family, data);
        break;
      case RTA_DST:
        if (dstLen !== 32 && dstLen !== 128) mask = dstLen;
        row.destination = ipText(family, data);
        hasDestination = true;
        break;
      case RTA_PRIORITY:
        row.metric = i32(data);
        break;
      case RTA_METRICS:
        for (const [x, xdata] of attributes(data, 0)) {
          if (x === RTAX_MTU) row.mtu = i32(xdata);
          else if (x === RTAX_HOPLIMIT) row.hopcount = i32(xdata);
        }
        break;
    }
  }
  if (!hasDestination) {
    row.destination = family === 2 ? "0.0.0.0" : family === 10 ? "::" : "";
    mask = dstLen;
  }
  row.type = ROUTE_TYPES[type] ?? "other";
  row.flags = flags;
  row.netmask = mask;
  return row;
}

function routesFromNetlink(): Row[] | null {
  // struct rtmsg all zero: AF_UNSPEC, every table. osquery
  // (tables/networking/linux/routes.cpp) reads the dump into one 64 KiB
  // buffer and silently drops what does not fit; osq deliberately reads it all.
  const messages = netlinkDump(NETLINK_ROUTE, RTM_GETROUTE, new Uint8Array(12));
  if (messages === null) return null;
  const names = new Map<number, string | null>();
  const ifname = (i: number) => {
    if (!names.has(i)) names.set(i, interfaceName(i));
    return names.get(i) ?? null;
  };
  const rows: Row[] = [];
  for (const [type, body] of messages) {
    if (type !== RTM_NEWROUTE) continue;
    const row = parseRouteMessage(body, ifname);
    if (row) rows.push(row);
  }
  return rows;
}

/** Little-endian hex word of /proc/net/route → address bytes in network order. */
function leHexBytes(hex: string): Uint8Array {
  const n = Number.parseInt(hex, 16) >>> 0;
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
}

const RTF_REJECT = 0x0200;

/** IPv4 main-table routes from /proc/net/route, in osquery's row shape. */
export function parseProcRoute(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 11) continue;
    const [iface, dst = "", gw = "", flagsHex = "0", , , metric = "0", maskHex = ""] = f;
    const len = prefixLength(leHexBytes(maskHex));
    const gateway = leHexBytes(gw);
    const row: Row = {
      destination: formatIPv4(leHexBytes(dst)),
      netmask: len === 32 ? 0 : len,
      interface: iface,
      metric: Number(metric),
      mtu: 0,
      hopcount: 0,
      flags: 0,
      type: Number.parseInt(flagsHex, 16) & RTF_REJECT ? "other" : "gateway",
    };
    if (gateway.some((b) => b !== 0)) row.gateway = formatIPv4(gateway);
    rows.push(row);
  }
  return rows;
}

const RTF_LOCAL = 0x80000000;
const RTF_ANYCAST = 0x00100000;

/** IPv6 routes (all tables) from /proc/net/ipv6_route, in osquery's row shape. */
export function parseProcIpv6Route(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dst = "", dstLenHex = "0", , , nextHop = "", metricHex = "0", , , flagsHex = "0", iface = ""] = f;
    const dstLen = Number.parseInt(dstLenHex, 16);
    const flags = Number.parseInt(flagsHex, 16) >>> 0;
    const metric = Number.parseInt(metricHex, 16) >>> 0;
    // The kernel's "null" route (lo, reject, ::/0, metric 0xffffffff) is never dumped over netlink.
    if (iface === "lo" && flags & RTF_REJECT && dstLen === 0 && metric === 0xffffffff) continue;
    const type = flags & RTF_LOCAL ? "local" : flags & RTF_ANYCAST ? "anycast"
      : flags & RTF_REJECT || dst.startsWith("ff") ? "other" : "gateway";
    const row: Row = {
      destination: dstLen === 0 ? "::" : ipv6FromHex(dst),
      netmask: dstLen === 128 ? 0 : dstLen,
      interface: iface,
      metric: metric | 0,
      mtu: 0,
      hopcount: 0,
      flags: 0,
      type,
    };
    if (/[1-9a-fA-F]/.test(nextHop)) row.gateway = ipv6FromHex(nextHop);
    rows.push(row);
  }
  return rows;
}

export default defineTable({
  name: "routes",
  cacheable: true,
  columns: {
    destination: "TEXT",
    netmask: "INTEGER",
    gateway: "TEXT",
    source: "TEXT",
    flags: "INTEGER",
    interface: "TEXT",
    mtu: "INTEGER",
    metric: "INTEGER",
    type: "TEXT additional",
    hopcount: "INTEGER",
  },
  generate() {
    const fromNetlink = routesFromNetlink();
    if (fromNetlink !== null) return fromNetlink;
    return [...parseProcRoute(readText("/proc/net/route") ?? ""), ...parseProcIpv6Route(readText("/proc/net/ipv6_route") ?? "")];
  },
});
