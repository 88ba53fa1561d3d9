// interface_ipv6: settings against `sysctl`, and osquery's combination rules.
import { describe, expect, test } from "bun:test";
import interfaceIpv6, { ipv6Row } from "../../../tables/network/interface_ipv6.ts";
import { generate, query } from "../../helpers.ts";

function sysctl(key: string): number {
  const r = Bun.spawnSync(["sysctl", "-n", key]);
  return r.exitCode === 0 ? Number(r.stdout.toString().trim()) : -1;
}

describe("interface_ipv6", () => {
  test("generator: hop limit and forwarding per interface as sysctl reports", async () => {
    const rows = await generate(interfaceIpv6);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.hop_limit).toBe(sysctl(`net.ipv6.conf.${r.interface}.hop_limit`));
      expect(r.forwarding_enabled).toBe(sysctl(`net.ipv6.conf.${r.interface}.forwarding`));
    }
  });

  test("combination rules", () => {
    const conf = (values: Record<string, number>) => (iface: string, file: string) => values[`${iface}/${file}`] ?? -1;
    const base = { "x/hop_limit": 64, "all/accept_redirects": 1, "x/accept_redirects": 0 };
    expect(ipv6Row("x", conf({ ...base, "x/forwarding": 0, "x/accept_ra": 1 }))).toEqual({
      interface: "x", hop_limit: 64, forwarding_enabled: 0, redirect_accept: 1, rtadv_accept: 1,
    });
    expect(ipv6Row("x", conf({ ...base, "x/forwarding": 1, "x/accept_ra": 1 }))).toMatchObject({ redirect_accept: 0, rtadv_accept: 0 });
    expect(ipv6Row("x", conf({ ...base, "x/forwarding": 1, "x/accept_ra": 2 }))).toMatchObject({ rtadv_accept: 1 });
    expect(ipv6Row("gone", conf({}))).toMatchObject({ hop_limit: -1, forwarding_enabled: -1 });
  });

  test("end to end", () => {
    const rows = query("SELECT interface, hop_limit FROM interface_ipv6 WHERE interface = 'lo'");
    expect(rows).toEqual([{ interface: "lo", hop_limit: String(sysctl("net.ipv6.conf.lo.hop_limit")) }]);
  });
});
