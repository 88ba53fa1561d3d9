// iptables: the netfilter blob walker on a table built byte by byte in the
// kernel's layout; the same table installed into a private network namespace
// (IPT_SO_SET_REPLACE, as iptables-restore does) and read back from the
// kernel through the generator and the binary; the generator against
// /proc/net/ip_tables_names on this host.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import iptables, { parseGetInfo, parseIptBlob, tableNames } from "../../../tables/network/iptables.ts";
import { generate, query } from "../../helpers.ts";
import { buildFilter } from "./iptables_fixture.ts";

describe("iptables", () => {
  test("blob walker: chains, rules and osquery's row shapes", () => {
    const { info, blob } = buildFilter();
    const parsed = parseGetInfo(info);
    expect(parsed.size).toBe(blob.length);
    const rows = parseIptBlob("filter", parsed, blob);
    const any = { src_ip: "0.0.0.0", src_mask: "0.0.0.0", dst_ip: "0.0.0.0", dst_mask: "0.0.0.0", iniface: "all", outiface: "all", iniface_mask: "", outiface_mask: "", match: "yes", src_port: "", dst_port: "" };
    const input = { filter_name: "filter", chain: "INPUT", policy: "DROP", packets: 5n, bytes: 500n };
    const output = { filter_name: "filter", chain: "OUTPUT", policy: "ACCEPT", packets: 7n, bytes: 700n };
    const mine = { filter_name: "filter", chain: "MYCHAIN", policy: "", packets: 0, bytes: 0 };
    expect(rows).toEqual([
      { ...input, ...any, target: "ACCEPT", protocol: "6", src_ip: "10.0.0.0", src_mask: "255.0.0.0", iniface: "eth0", iniface_mask: "FFFFFFFFFF", src_port: "0:65535", dst_port: "22:22" },
      { ...input, ...any, target: "MYCHAIN", protocol: "0" },
      input,
      { filter_name: "filter", chain: "FORWARD", policy: "ACCEPT", packets: 0n, bytes: 0n },
      { ...output, ...any, target: "LOG", protocol: "17", outiface: "!lo", outiface_mask: "FFFFFF", src_port: "53:53", dst_port: "0:65535" },
      output,
      { ...mine, ...any, target: "RETURN", protocol: "0" },
      { ...mine, ...any, target: "", protocol: "!1" },
      mine,
    ]);
  });

  test("kernel round trip: a table installed in a private network namespace reads back", () => {
    // Needs root and unshare(CLONE_NEWNET); elsewhere there is nothing to compare.
    const run = Bun.spawnSync(["unshare", "-n", process.execPath, join(import.meta.dir, "iptables_netns.ts")], { stderr: "pipe" });
    if (run.exitCode !== 0) {
      console.warn(`skipped: unshare -n failed (${run.stderr.toString().trim()})`);
      return;
    }
    const out = JSON.parse(run.stdout.toString()) as { error?: string; rows: Record<string, unknown>[]; names: string; e2e: Record<string, string>[] | null };
    if (out.error) {
      console.warn(`skipped: ${out.error}`);
      return;
    }
    const any = { src_ip: "0.0.0.0", src_mask: "0.0.0.0", dst_ip: "0.0.0.0", dst_mask: "0.0.0.0", iniface: "all", outiface: "all", iniface_mask: "", outiface_mask: "", match: "yes", src_port: "", dst_port: "" };
    // The kernel keeps its own counters (zero for a new table).
    const input = { filter_name: "filter", chain: "INPUT", policy: "DROP", packets: 0, bytes: 0 };
    const output = { filter_name: "filter", chain: "OUTPUT", policy: "ACCEPT", packets: 0, bytes: 0 };
    const mine = { filter_name: "filter", chain: "MYCHAIN", policy: "", packets: 0, bytes: 0 };
    const expected = [
      { ...input, ...any, target: "ACCEPT", protocol: "6", src_ip: "10.0.0.0", src_mask: "255.0.0.0", iniface: "eth0", iniface_mask: "FFFFFFFFFF", src_port: "0:65535", dst_port: "22:22" },
      { ...input, ...any, target: "MYCHAIN", protocol: "0" },
      input,
      { filter_name: "filter", chain: "FORWARD", policy: "ACCEPT", packets: 0, bytes: 0 },
      { ...output, ...any, target: "REJECT", protocol: "17", outiface: "!lo", outiface_mask: "FFFFFF", src_port: "53:53", dst_port: "0:65535" },
      output,
      { ...mine, ...any, target: "RETURN", protocol: "0" },
      { ...mine, ...any, target: "", protocol: "!1" },
      mine,
    ];
    expect(tableNames(out.names)).toContain("filter");
    expect(out.rows.filter((r) => r.filter_name === "filter")).toEqual(expected);
    if (out.e2e) {
      // Through the binary: text values, and "!1" is not an integer, so protocol is NULL there.
      const asText = expected.map((r) => {
        const o: Record<string, string> = {};
        for (const [k, v] of Object.entries(r)) o[k] = k === "protocol" && String(v).startsWith("!") ? "" : String(v);
        return o;
      });
      const keys = Object.keys(asText[0] ?? {});
      const pick = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([k]) => keys.includes(k)));
      expect(out.e2e.map((r) => pick(r))).toEqual(asText.map((r) => ({ ...Object.fromEntries(keys.map((k) => [k, ""])), ...r })));
    }
  });

  test("table names", () => {
    expect(tableNames("filter\nnat\n\n")).toEqual(["filter", "nat"]);
  });

  test("generator: rows only for tables the kernel lists", async () => {
    let names: string[] = [];
    try {
      names = tableNames(readFileSync("/proc/net/ip_tables_names", "utf8"));
    } catch {
      // No netfilter: the table is empty.
    }
    const rows = await generate(iptables);
    expect([...new Set(rows.map((r) => r.filter_name))].every((n) => names.includes(String(n)))).toBe(true);
    if (names.length === 0) expect(rows).toEqual([]);
    // Every listed table has at least its built-in chains' rows when readable (root).
    if (process.getuid?.() === 0) for (const n of names) expect(rows.some((r) => r.filter_name === n)).toBe(true);
  });

  test("end to end", () => {
    let names: string[] = [];
    try {
      names = tableNames(readFileSync("/proc/net/ip_tables_names", "utf8"));
    } catch {
      // none
    }
    const rows = query("SELECT DISTINCT filter_name FROM iptables");
    expect(rows.map((r) => r.filter_name).sort()).toEqual(process.getuid?.() === 0 ? [...names].sort() : rows.map((r) => r.filter_name).sort());
  });
});
