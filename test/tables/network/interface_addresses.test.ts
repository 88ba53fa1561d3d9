// interface_addresses: every address `ip -o addr` lists, with its mask,
// broadcast or peer, and the %scope of link-local IPv6 addresses.
import { describe, expect, test } from "bun:test";
import interfaceAddresses from "../../../tables/network/interface_addresses.ts";
import { generate, query } from "../../helpers.ts";

interface IpAddr { iface: string; address: string; prefix: number; brd?: string; peer?: string; link: boolean }

function ipAddr(): IpAddr[] {
  const out = Bun.spawnSync(["ip", "-o", "addr", "show"]).stdout.toString().trim().split("\n");
  return out.filter(Boolean).map((line) => {
    const f = line.replace(/\\.*$/, "").trim().split(/\s+/);
    const iface = (f[1] ?? "").replace(/@.*$/, "");
    const [addr = "", prefix = "0"] = (f[3] ?? "").split("/");
    const opt = (k: string) => (f.indexOf(k) >= 0 ? f[f.indexOf(k) + 1] : undefined);
    return { iface, address: addr, prefix: Number(prefix), brd: opt("brd"), peer: opt("peer")?.split("/")[0], link: line.includes("scope link") };
  });
}

function v4Mask(prefix: number): string {
  const n = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
}

describe("interface_addresses", () => {
  test("generator: the same addresses as ip addr, with masks and broadcast", async () => {
    const rows = await generate(interfaceAddresses);
    const expected = ipAddr();
    expect(rows.length).toBe(expected.length);
    for (const e of expected) {
      const v6 = e.address.includes(":");
      const address = v6 && e.link ? `${e.address}%${e.iface}` : e.address;
      const row = rows.find((r) => r.interface === e.iface && r.address === address);
      expect(row).toBeDefined();
      expect(row?.type).toBe("unknown");
      if (!v6) {
        expect(row?.mask).toBe(v4Mask(e.prefix));
        if (e.brd) expect(row?.broadcast).toBe(e.brd);
        if (e.iface === "lo") expect(row?.point_to_point).toBe(e.address);
      } else {
        // An IPv6 mask with `prefix` leading ones.
        const bits = String(row?.mask).split(":").filter(Boolean).map((g) => Number.parseInt(g, 16).toString(2).replace(/0+$/, "").length);
        expect(bits.reduce((a, b) => a + b, 0)).toBe(e.prefix);
      }
    }
  });

  test("end to end", () => {
    const rows = query("SELECT interface, address FROM interface_addresses WHERE interface = 'lo' AND address = '127.0.0.1'");
    const lo = ipAddr().some((e) => e.iface === "lo" && e.address === "127.0.0.1");
    expect(rows).toEqual(lo ? [{ interface: "lo", address: "127.0.0.1" }] : []);
  });
});
