// interface_details: one row per network interface (the AF_PACKET entries of
// getifaddrs), with osquery's Linux sources for each column:
//  - counters: struct rtnl_link_stats from getifaddrs, 32-bit like osquery's;
//  - mac / type: SIOCGIFHWADDR (type is the ARPHRD_* value cut to its low byte,
//    as osquery stores it through an unsigned char: loopback 772 shows as 4);
//  - mtu / metric: SIOCGIFMTU / SIOCGIFMETRIC;
//  - link_speed (Mb/s, only when the query uses it) and pci_slot (the driver's
//    bus_info, "-1" when the driver gives none) from ethtool;
//  - flags: getifaddrs flags with the administrative bits taken from
//    /sys/class/net/<if>/flags; last_change is -1 (not kept by Linux).
// Without libc, /sys/class/net supplies the same values.
import { readdirSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { defineTable, type Row } from "../../src/table.ts";
import { getIfAddrs, interfaceIoctl, type IfAddr } from "../../src/linux/libc_net.ts";
import { readText } from "../../src/linux/proc.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

const SIOCGIFMETRIC = 0x891d;
const SIOCGIFMTU = 0x8921;
const SIOCGIFHWADDR = 0x8927;
const SIOCETHTOOL = 0x8946;
const ETHTOOL_GSET = 0x1;
const ETHTOOL_GDRVINFO = 0x3;
const AF_PACKET = 17;

/** Flags osquery takes from sysfs rather than from getifaddrs. */
const SYSFS_FLAGS = 0x1 | 0x4 | 0x20 | 0x80 | 0x100 | 0x200 | 0x1000 | 0x2000 | 0x4000 | 0x8000;

export function macText(bytes: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((bytes[i] ?? 0).toString(16).padStart(2, "0"));
  return parts.join(":");
}

/** "0x1003\n" → 0x1003 masked to the sysfs-owned bits; null when unreadable or malformed. */
export function sysfsFlags(text: string | null): number | null {
  if (text === null || text.length <= 3 || !text.startsWith("0x")) return null;
  const n = Number.parseInt(text.slice(2, text.length - 1), 16);
  return Number.isNaN(n) ? null : n & SYSFS_FLAGS;
}

/** Combines getifaddrs flags with the sysfs-owned bits, as osquery does. */
export function combineFlags(ifaFlags: number, sysfs: number | null): number {
  const base = ifaFlags & ~SYSFS_FLAGS;
  return (sysfs === null ? base : base | sysfs) >>> 0;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function ifreqInt(name: string, request: number): number | null {
  const ifr = interfaceIoctl(name, request);
  return ifr === null ? null : new DataView(ifr.buffer).getInt32(16, true);
}

function linkSpeed(name: string): number {
  const cmd = new Uint8Array(44);
  new DataView(cmd.buffer).setUint32(0, ETHTOOL_GSET, true);
  if (interfaceIoctl(name, SIOCETHTOOL, cmd) === null) return 0;
  const dv = new DataView(cmd.buffer);
  const speed = ((dv.getUint16(28, true) << 16) | dv.getUint16(12, true)) >>> 0;
  return speed === 0xffffffff ? 0 : speed;
}

function pciSlot(name: string): string {
  const info = new Uint8Array(196);
  new DataView(info.buffer).setUint32(0, ETHTOOL_GDRVINFO, true);
  if (interfaceIoctl(name, SIOCETHTOOL, info) === null) return "-1";
  return cString(info.subarray(100, 132));
}

function detailsRow(e: IfAddr, wantSpeed: boolean): Row {
  const row: Row = { interface: e.name };
  const hw = e.family === null ? null : interfaceIoctl(e.name, SIOCGIFHWADDR);
  row.mac = macText(hw ? hw.subarray(18, 24) : []);
  if (e.stats === null) return row;
  const s = e.stats;
  row.mtu = 0;
  row.metric = 0;
  row.type = 0;
  Object.assign(row, {
    ipackets: s[0], opackets: s[1], ibytes: s[2], obytes: s[3],
    ierrors: s[4], oerrors: s[5], idrops: s[6], odrops: s[7], collisions: s[9],
  });
  const mtu = ifreqInt(e.name, SIOCGIFMTU);
  if (mtu !== null) row.mtu = mtu >>> 0;
  const metric = ifreqInt(e.name, SIOCGIFMETRIC);
  if (metric !== null) row.metric = metric >>> 0;
  if (hw) row.type = (hw[16] ?? 0) & 0xff;
  row.link_speed = wantSpeed ? linkSpeed(e.name) : 0;
  row.pci_slot = pciSlot(e.name);
  row.flags = combineFlags(e.flags, sysfsFlags(readText(`/sys/class/net/${e.name}/flags`)));
  row.last_change = -1;
  return row;
}

/** The same columns from /sys/class/net alone, for when libc cannot be called. */
function sysfsRow(name: string, wantSpeed: boolean): Row {
  const dir = `/sys/class/net/${name}`;
  const num = (file: string) => Number.parseInt(readText(`${dir}/${file}`)?.trim() ?? "", 10);
  const stat = (file: string) => (num(`statistics/${file}`) || 0) % 2 ** 32;
  const mac = (readText(`${dir}/address`)?.trim() ?? "").split(":").map((h) => Number.parseInt(h, 16) || 0);
  let slot = "-1";
  try {
    slot = basename(readlinkSync(`${dir}/device`));
  } catch {
    // Virtual interfaces have no device link: pci_slot stays -1, as osquery reports.
    // Virtual interfaces have no device.
  }
  const speed = num("speed");
  return {
    interface: name,
    mac: macText(mac),
    type: (num("type") || 0) & 0xff,
    mtu: num("mtu") || 0,
    metric: 0,
    flags: Number.parseInt(readText(`${dir}/flags`)?.trim() ?? "0", 16) || 0,
    ipackets: stat("rx_packets"), opackets: stat("tx_packets"),
    ibytes: stat("rx_bytes"), obytes: stat("tx_bytes"),
    ierrors: stat("rx_errors"), oerrors: stat("tx_errors"),
    idrops: stat("rx_dropped"), odrops: stat("tx_dropped"),
    collisions: stat("collisions"),
    last_change: -1,
    link_speed: wantSpeed && speed > 0 ? speed : 0,
    pci_slot: slot,
  };
}

/** Interface names in kernel (ifindex) order from /sys/class/net. */
export function sysfsInterfaces(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync("/sys/class/net");
  } catch (e) {
    logUnreadable("interface_details.ts", "/sys/class/net", e);
    return [];
  }
  const index = (n: string) => Number(readText(`/sys/class/net/${n}/ifindex`)?.trim() ?? "0");
  return names.map((n) => [n, index(n)] as const).sort((a, b) => a[1] - b[1]).map(([n]) => n);
}

/** The getifaddrs entries osquery turns into interface_details rows. */
export function linkEntries(): IfAddr[] | null {
  const entries = getIfAddrs();
  return entries === null ? null : entries.filter((e) => e.family === null || e.family === AF_PACKET);
}

export default defineTable({
  name: "interface_details",
  cacheable: true,
  columns: {
    interface: "TEXT",
    mac: "TEXT collate=nocase",
    type: "INTEGER",
    mtu: "INTEGER",
    metric: "INTEGER",
    flags: "INTEGER",
    ipackets: "BIGINT",
    opackets: "BIGINT",
    ibytes: "BIGINT",
    obytes: "BIGINT",
    ierrors: "BIGINT",
    oerrors: "BIGINT",
    idrops: "BIGINT",
    odrops: "BIGINT",
    collisions: "BIGINT",
    last_change: "BIGINT",
    link_speed: "BIGINT",
    pci_slot: "TEXT",
    friendly_name: "TEXT platform",
    description: "TEXT platform",
    manufacturer: "TEXT platform",
    connection_id: "TEXT platform",
    connection_status: "TEXT platform",
    enabled: "INTEGER platform",
    physical_adapter: "INTEGER platform",
    speed: "INTEGER platform",
    service: "TEXT platform",
    dhcp_enabled: "INTEGER platform",
    dhcp_lease_expires: "TEXT platform",
    dhcp_lease_obtained: "TEXT platform",
    dhcp_server: "TEXT platform",
    dns_domain: "TEXT platform",
    dns_domain_suffix_search_order: "TEXT platform",
    dns_host_name: "TEXT platform",
    dns_server_search_order: "TEXT platform",
  },
  generate(ctx) {
    const wantSpeed = ctx.isColumnUsed("link_speed");
    const entries = linkEntries();
    if (entries === null) return sysfsInterfaces().map((n) => sysfsRow(n, wantSpeed));
    return entries.map((e) => detailsRow(e, wantSpeed));
  },
});
