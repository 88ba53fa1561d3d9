// interface_details: each interface against /sys/class/net (a different
// source than the ioctls and getifaddrs the table uses) and `ip -o link`.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import interfaceDetails, { combineFlags, macText, sysfsFlags } from "../../../tables/network/interface_details.ts";
import { generate, query } from "../../helpers.ts";

const sys = (iface: string, file: string) => readFileSync(`/sys/class/net/${iface}/${file}`, "utf8").trim();

describe("interface_details", () => {
  test("generator: one row per interface with sysfs's mac, mtu, type and counters", async () => {
    const rows = await generate(interfaceDetails);
    const names = readdirSync("/sys/class/net");
    expect(rows.map((r) => r.interface).sort()).toEqual([...names].sort());
    for (const r of rows) {
      const iface = String(r.interface);
      const addr = sys(iface, "address");
      if (addr.split(":").length === 6) expect(r.mac).toBe(addr);
      expect(r.mtu).toBe(Number(sys(iface, "mtu")));
      expect(r.type).toBe(Number(sys(iface, "type")) & 0xff);
      expect(r.metric).toBe(0);
      expect(r.last_change).toBe(-1);
      // Counters only grow; the table's 32-bit value sits between two sysfs reads (mod 2^32).
      const ibytes = Number(sys(iface, "statistics/rx_bytes")) % 2 ** 32;
      expect(Number(r.ibytes)).toBeLessThanOrEqual(ibytes);
      expect(Number(r.ipackets)).toBeLessThanOrEqual(Number(sys(iface, "statistics/rx_packets")) % 2 ** 32);
      // The administrative flags are sysfs's.
      expect(Number(r.flags) & 0x1).toBe(Number.parseInt(sys(iface, "flags"), 16) & 0x1);
    }
  });

  test("generator: UP/LOWER_UP flags agree with ip link", async () => {
    const rows = await generate(interfaceDetails);
    const lines = Bun.spawnSync(["ip", "-o", "link"]).stdout.toString().trim().split("\n");
    for (const line of lines) {
      const m = /^\d+: ([^:@]+)[^<]*<([^>]*)>/.exec(line);
      if (!m) continue;
      const flags = (m[2] ?? "").split(",");
      const row = rows.find((r) => r.interface === m[1]);
      expect(row).toBeDefined();
      expect((Number(row?.flags) & 0x1) !== 0).toBe(flags.includes("UP"));
      expect((Number(row?.flags) & 0x10000) !== 0).toBe(flags.includes("LOWER_UP"));
      expect((Number(row?.flags) & 0x8) !== 0).toBe(flags.includes("LOOPBACK"));
    }
  });

  test("flag and mac helpers", () => {
    expect(sysfsFlags("0x1003\n")).toBe(0x1001);
    expect(sysfsFlags("garbage")).toBeNull();
    expect(combineFlags(0x11043, 0x1001)).toBe(0x11043);
    expect(combineFlags(0x11043, 0x0)).toBe(0x10042);
    expect(macText([2, 0xfc, 0, 0, 0, 1])).toBe("02:fc:00:00:00:01");
    expect(macText([])).toBe("00:00:00:00:00:00");
  });

  test("end to end", () => {
    const rows = query("SELECT interface, mtu, mac FROM interface_details WHERE interface = 'lo'");
    expect(rows).toEqual([{ interface: "lo", mtu: sys("lo", "mtu"), mac: "00:00:00:00:00:00" }]);
  });
});
