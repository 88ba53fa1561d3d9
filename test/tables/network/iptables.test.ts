// iptables: the netfilter blob walker on a table built byte by byte in the
// kernel's layout; the same table installed into a private network namespace
// (IPT_SO_SET_REPLACE, as iptables-restore does) and read back from the
// kernel through the generator and the binary; the generator against
// /proc/net/ip_tables_names on this host.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iptables, { parseGetInfo, parseIptBlob, tableNames } from "../../../tables/network/iptables.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
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
    const run = Bun.spawnSync(["unshare", "-n", process.execPath, join(import.meta.dir, "iptables_netns.ts")], { stderr: "pipe" });
    if (run.exitCode !== 0) throw new Error(`needs root and unshare(CLONE_NEWNET): unshare -n failed (${run.stderr.toString().trim()})`);
    const out = JSON.parse(run.stdout.toString()) as { error?: string; rows: Record<string, unknown>[]; names: string; e2e: Record<string, string>[] | null };
    if (out.error) throw new Error(`the private namespace could not hold the fixture table: ${out.error}`);
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
    if (!out.e2e) throw new Error("dist/osqueryi did not answer inside the namespace: run `npm run build`");
    {
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

  test("this host: the generator and the binary read exactly the tables the kernel lists", async () => {
    // Reading rules needs CAP_NET_ADMIN; without it the table is empty and nothing is compared.
    if (process.getuid?.() !== 0) throw new Error("needs root: the kernel hands netfilter rules only to CAP_NET_ADMIN");
    let names: string[] = [];
    try {
      names = tableNames(readFileSync("/proc/net/ip_tables_names", "utf8"));
    } catch {
      // ip_tables not loaded: the kernel lists no table, so the table must be empty.
    }
    const rows = await generate(iptables);
    expect([...new Set(rows.map((r) => String(r.filter_name)))].sort()).toEqual([...names].sort());
    const e2e = query("SELECT DISTINCT filter_name FROM iptables");
    expect(e2e.map((r) => r.filter_name).sort()).toEqual([...names].sort());
  });

  test("rules written by iptables-legacy-restore read back through the binary as iptables-legacy-save prints them", () => {
    const save = Bun.which("iptables-legacy-save");
    if (!save || !Bun.which("iptables-legacy-restore")) throw new Error("iptables-legacy-save/-restore are missing: install the Debian package iptables");
    const dir = mkdtempSync(join(tmpdir(), "osq-ipt-"));
    try {
      const rules = join(dir, "rules");
      writeFileSync(rules, RULES);
      // One namespace for writer, independent reader and osq, so all three see the same tables.
      const script = `iptables-legacy-restore -c < '${rules}' && iptables-legacy-save -c && echo '${SPLIT}' && '${OSQUERYI}' --json 'SELECT * FROM iptables'`;
      const run = Bun.spawnSync(["unshare", "-n", "sh", "-c", script], { stderr: "pipe" });
      if (run.exitCode !== 0) throw new Error(`needs root and unshare(CLONE_NEWNET): ${run.stderr.toString().trim()}`);
      const [saved, json] = run.stdout.toString().split(`${SPLIT}\n`);
      const expected = fromIptablesSave(saved ?? "");
      // The fixture's own shape, so a parser that reads nothing cannot pass.
      expect(expected.filter((r) => r.match === "yes").length).toBe(6);
      expect(new Set(expected.map((r) => r.filter_name))).toEqual(new Set(["filter", "nat"]));
      const got = (JSON.parse(json ?? "[]") as Record<string, string>[]).map((r) => {
        const o: Record<string, string> = {};
        for (const k of Object.keys(expected[0] ?? {})) o[k] = r[k] ?? "";
        return o;
      });
      expect(got).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const SPLIT = "--- osq ---";

/** Policy counters differ from the rules' so a row showing a rule's own counters is caught. */
const RULES = `*filter
:INPUT DROP [3:120]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [9:900]
:MYCHAIN - [0:0]
[5:500] -A INPUT -s 10.0.0.0/8 -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT
[6:600] -A INPUT -d 192.168.1.1/32 -p udp -m udp --sport 53 -j MYCHAIN
[0:0] -A OUTPUT -o lo -j ACCEPT
[0:0] -A OUTPUT ! -o eth1 -p icmp -j REJECT
[0:0] -A MYCHAIN ! -s 10.1.2.0/24 -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[0:0] -A POSTROUTING -s 172.16.0.0/12 -o eth0 -j MASQUERADE
COMMIT
`;

const PROTOCOLS: Record<string, string> = { tcp: "6", udp: "17", icmp: "1" };

function prefixMask(len: number): string {
  const bits = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
}

/**
 * osquery's rows from iptables-save -c text: per chain, its rules then the
 * chain row; rule rows carry the chain's policy counters, as osquery copies
 * the chain row into each rule row.
 */
function fromIptablesSave(text: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const chains = new Map<string, { policy: string; packets: string; bytes: string; rules: Record<string, string>[] }>();
  let table = "";
  const flush = () => {
    for (const [chain, c] of chains) {
      const head = { filter_name: table, chain, policy: c.policy, packets: c.packets, bytes: c.bytes };
      for (const r of c.rules) rows.push({ ...head, ...r });
      rows.push({ ...head, target: "", protocol: "", src_ip: "", src_mask: "", dst_ip: "", dst_mask: "", iniface: "", outiface: "", iniface_mask: "", outiface_mask: "", match: "", src_port: "", dst_port: "" });
    }
    chains.clear();
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1);
    else if (line === "COMMIT") flush();
    else if (line.startsWith(":")) {
      const m = /^:(\S+) (\S+) \[(\d+):(\d+)\]$/.exec(line);
      if (!m) throw new Error(`unexpected chain line from iptables-save: ${line}`);
      const builtin = m[2] !== "-";
      chains.set(m[1]!, { policy: builtin ? m[2]! : "", packets: builtin ? m[3]! : "0", bytes: builtin ? m[4]! : "0", rules: [] });
    } else if (line.startsWith("[")) {
      const words = line.replace(/^\[\d+:\d+\] /, "").split(" ");
      const r: Record<string, string> = { target: "", protocol: "0", src_ip: "0.0.0.0", src_mask: "0.0.0.0", dst_ip: "0.0.0.0", dst_mask: "0.0.0.0", iniface: "all", outiface: "all", iniface_mask: "", outiface_mask: "", match: "yes", src_port: "", dst_port: "" };
      let chain = "";
      let not = false;
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        const arg = words[i + 1] ?? "";
        const bang = not ? "!" : "";
        if (w === "!") { not = true; continue; }
        if (w === "-A") chain = arg;
        else if (w === "-s" || w === "-d") {
          const [ip, len] = arg.split("/");
          r[w === "-s" ? "src_ip" : "dst_ip"] = bang + ip;
          r[w === "-s" ? "src_mask" : "dst_mask"] = prefixMask(Number(len ?? 32));
        } else if (w === "-i" || w === "-o") {
          // iptables matches the name and its NUL terminator: one FF byte each.
          r[w === "-i" ? "iniface" : "outiface"] = bang + arg;
          r[w === "-i" ? "iniface_mask" : "outiface_mask"] = "FF".repeat(arg.length + 1);
        } else if (w === "-p") {
          r.protocol = bang + (PROTOCOLS[arg] ?? arg);
          if (arg === "tcp" || arg === "udp") { r.src_port = "0:65535"; r.dst_port = "0:65535"; }
        } else if (w === "--sport" || w === "--dport") r[w === "--sport" ? "src_port" : "dst_port"] = `${arg}:${arg}`;
        else if (w === "-j") r.target = arg;
        if (w.startsWith("-")) { not = false; i++; }
      }
      const c = chains.get(chain);
      if (!c) throw new Error(`iptables-save printed a rule for an undeclared chain: ${line}`);
      c.rules.push(r);
    }
  }
  return rows;
}
