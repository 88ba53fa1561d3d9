// routes: every route of every table against `ip route show table all`
// (IPv4 and IPv6), and the /proc fallback parsers on fixtures.
import { describe, expect, test } from "bun:test";
import routes, { parseProcIpv6Route, parseProcRoute } from "../../../tables/network/routes.ts";
import { generate, query } from "../../helpers.ts";

const TYPES: Record<string, string> = { unicast: "gateway", local: "local", broadcast: "broadcast", anycast: "anycast" };
const KEYWORDS = new Set(["unicast", "local", "broadcast", "anycast", "multicast", "unreachable", "prohibit", "blackhole", "throw", "nat"]);

/** Routes from iproute2 in the table's terms: "type dest/netmask gw src dev metric". */
function ipRoutes(): string[] {
  const out: string[] = [];
  for (const family of ["-4", "-6"]) {
    const r = Bun.spawnSync(["ip", family, "route", "show", "table", "all"]);
    if (r.exitCode !== 0) continue;
    for (const line of r.stdout.toString().trim().split("\n")) {
      if (!line.trim() || line.includes("nexthop")) continue;
      const f = line.trim().split(/\s+/);
      const kind = KEYWORDS.has(f[0] ?? "") ? (f.shift() as string) : "unicast";
      const dst = f.shift() ?? "";
      const at = (k: string) => (f.indexOf(k) >= 0 ? f[f.indexOf(k) + 1] : undefined);
      let [addr = "", len] = dst.split("/");
      if (addr === "default") [addr, len] = [family === "-4" ? "0.0.0.0" : "::", "0"];
      const prefix = len === undefined ? (family === "-4" ? 32 : 128) : Number(len);
      const netmask = prefix === 32 || prefix === 128 ? 0 : prefix;
      out.push([TYPES[kind] ?? "other", `${addr}/${netmask}`, at("via") ?? "-", at("src") ?? "-", at("dev") ?? "-", at("metric") ?? "0"].join(" "));
    }
  }
  return out.sort();
}

describe("routes", () => {
  test("generator: the same routes as ip route show table all", async () => {
    const rows = await generate(routes);
    const ours = rows.map((r) =>
      [r.type, `${r.destination}/${r.netmask}`, r.gateway ?? "-", r.source ?? "-", r.interface ?? "-", String(r.metric)].join(" "),
    );
    expect(ours.sort()).toEqual(ipRoutes());
  });

  test("/proc/net/route fallback", () => {
    const text = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
      "eth0\t0A0200C0\t00000000\t0205\t0\t0\t0\tFFFFFFFF\t0\t0\t0",
    ].join("\n");
    expect(parseProcRoute(text)).toEqual([
      { destination: "0.0.0.0", netmask: 0, gateway: "192.0.2.1", interface: "eth0", metric: 100, mtu: 0, hopcount: 0, flags: 0, type: "gateway" },
      { destination: "192.0.2.0", netmask: 24, interface: "eth0", metric: 0, mtu: 0, hopcount: 0, flags: 0, type: "gateway" },
      { destination: "192.0.2.10", netmask: 0, interface: "eth0", metric: 0, mtu: 0, hopcount: 0, flags: 0, type: "other" },
    ]);
  });

  test("/proc/net/ipv6_route fallback", () => {
    const text = [
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0",
      "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo",
      "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0",
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo",
    ].join("\n");
    expect(parseProcIpv6Route(text).map((r) => [r.type, r.destination, r.netmask, r.gateway, r.metric])).toEqual([
      ["gateway", "fd00::", 64, undefined, 256],
      ["gateway", "::", 0, "fd00::1", 1024],
      ["local", "::1", 0, undefined, 0],
      ["other", "ff00::", 8, undefined, 256],
    ]);
  });

  test("end to end", () => {
    const rows = query("SELECT type, destination, netmask, gateway, source, interface, metric FROM routes");
    const ours = rows.map((r) => [r.type, `${r.destination}/${r.netmask}`, r.gateway || "-", r.source || "-", r.interface || "-", r.metric].join(" "));
    expect(ours.sort()).toEqual(ipRoutes());
  });
});
