// arp_cache: entries against `ip neigh` (netlink, not /proc/net/arp), and the
// /proc/net/arp parser on a fixture.
import { describe, expect, test } from "bun:test";
import arpCache, { parseArp } from "../../../tables/network/arp_cache.ts";
import { generate, query } from "../../helpers.ts";

function neighbours(): { address: string; iface: string; mac?: string; permanent: boolean }[] {
  const out = Bun.spawnSync(["ip", "-4", "neigh", "show"]).stdout.toString().trim().split("\n");
  return out.filter(Boolean).map((l) => {
    const f = l.trim().split(/\s+/);
    const at = (k: string) => (f.indexOf(k) >= 0 ? f[f.indexOf(k) + 1] : undefined);
    return { address: f[0] ?? "", iface: at("dev") ?? "", mac: at("lladdr"), permanent: f.includes("PERMANENT") };
  });
}

describe("arp_cache", () => {
  test("generator: every IPv4 neighbour with a link address, on its interface", async () => {
    const rows = await generate(arpCache);
    for (const n of neighbours().filter((n) => n.mac)) {
      expect(rows).toContainEqual({ address: n.address, mac: n.mac, interface: n.iface, permanent: n.permanent ? "1" : "0" });
    }
  });

  test("parser: header skipped, permanent only for flags 0x6", () => {
    const text = [
      "IP address       HW type     Flags       HW address            Mask     Device",
      "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0",
      "192.0.2.9        0x1         0x6         02:fc:00:00:00:09     *        eth0",
      "10.0.0.1         0x1         0x0         00:00:00:00:00:00     *        wlan0",
      "",
    ].join("\n");
    expect(parseArp(text)).toEqual([
      { address: "192.0.2.1", mac: "02:fc:00:00:00:05", interface: "eth0", permanent: "0" },
      { address: "192.0.2.9", mac: "02:fc:00:00:00:09", interface: "eth0", permanent: "1" },
      { address: "10.0.0.1", mac: "00:00:00:00:00:00", interface: "wlan0", permanent: "0" },
    ]);
  });

  test("end to end", () => {
    const expected = neighbours().filter((n) => n.mac).map((n) => n.address).sort();
    const rows = query("SELECT address FROM arp_cache WHERE mac != '00:00:00:00:00:00' ORDER BY address");
    expect(rows.map((r) => r.address)).toEqual(expected);
  });
});
