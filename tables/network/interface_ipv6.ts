// interface_ipv6: IPv6 settings of each interface from
// /proc/sys/net/ipv6/conf/<if>/. As osquery computes them, the effective
// values combine the interface's and the "all" settings: redirects are
// accepted when both allow them on a forwarding interface, or either does
// otherwise; router advertisements when accept_ra is 2, or it is set and the
// interface does not forward. An unreadable setting reads as -1.
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/proc.ts";
import { linkEntries, sysfsInterfaces } from "./interface_details.ts";

export function ipv6Setting(iface: string, file: string, root = "/proc/sys/net/ipv6/conf"): number {
  const text = readText(`${root}/${iface}/${file}`);
  if (text === null) return -1;
  const t = text.trim();
  return /^-?[0-9]+$/.test(t) ? Number(t) : -1;
}

/** osquery's row for one interface; `read(iface, file)` reads a conf value. */
export function ipv6Row(iface: string, read: (iface: string, file: string) => number): Row {
  const forwarding = read(iface, "forwarding");
  const redirectAll = read("all", "accept_redirects");
  const redirectIf = read(iface, "accept_redirects");
  const rtadv = read(iface, "accept_ra");
  const truthy = (n: number) => n !== 0;
  return {
    interface: iface,
    hop_limit: read(iface, "hop_limit"),
    forwarding_enabled: forwarding,
    redirect_accept: truthy(forwarding)
      ? Number(truthy(redirectAll) && truthy(redirectIf))
      : Number(truthy(redirectAll) || truthy(redirectIf)),
    rtadv_accept: rtadv === 2 ? 1 : Number(truthy(rtadv) && !truthy(forwarding)),
  };
}

export default defineTable({
  name: "interface_ipv6",
  columns: {
    interface: "TEXT",
    hop_limit: "INTEGER",
    forwarding_enabled: "INTEGER",
    redirect_accept: "INTEGER",
    rtadv_accept: "INTEGER",
  },
  generate() {
    const names = linkEntries()?.map((e) => e.name) ?? sysfsInterfaces();
    return names.map((n) => ipv6Row(n, (i, f) => ipv6Setting(i, f)));
  },
});
