// iptables: the IPv4 netfilter rules of every table listed in
// /proc/net/ip_tables_names. osquery reads them with libiptc, which asks the
// kernel for the table with getsockopt(IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES)
// on a raw socket (root only) and walks the returned blob of ipt_entry
// records. osq makes the same two calls through libc and walks the blob
// itself (parseIptBlob, testable on bytes).
//
// Rows, as osquery emits them: for each chain, one row per rule, then one row
// for the chain itself (filter_name, chain, policy, packets, bytes only).
// Rule rows repeat the chain's policy counters in packets/bytes (osquery copies
// the chain row into each rule row) and always have match "yes"; src_port and
// dst_port ("low:high") come from the first match's data when the protocol is
// TCP or UDP. A '!' marks inverted protocol, interfaces and addresses.
import { defineTable, type Row } from "../../src/table.ts";
import { rawIpGetsockopt } from "../../src/linux/libc_net.ts";
import { formatIPv4 } from "../../src/linux/inet.ts";
import { readText } from "../../src/linux/proc.ts";

const SOL_IP = 0;
const IPT_SO_GET_INFO = 64;
const IPT_SO_GET_ENTRIES = 65;
const HOOK_NAMES = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
/** Standard verdicts, stored as -verdict - 1. */
const VERDICTS: Record<number, string> = { [-1]: "DROP", [-2]: "ACCEPT", [-4]: "QUEUE", [-5]: "RETURN" };

const INV_VIA_IN = 0x01;
const INV_VIA_OUT = 0x02;
const INV_SRCIP = 0x08;
const INV_DSTIP = 0x10;
const INV_PROTO = 0x40;

/** struct ipt_getinfo as the kernel fills it. */
export interface IptInfo {
  validHooks: number;
  hookEntry: number[];
  underflow: number[];
  numEntries: number;
  size: number;
}

export function parseGetInfo(buf: Uint8Array): IptInfo {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hooks = (at: number) => Array.from({ length: 5 }, (_, i) => dv.getUint32(at + 4 * i, true));
  return {
    validHooks: dv.getUint32(32, true),
    hookEntry: hooks(36),
    underflow: hooks(56),
    numEntries: dv.getUint32(76, true),
    size: dv.getUint32(80, true),
  };
}

interface Entry {
  offset: number;
  nextOffset: number;
  targetOffset: number;
  /** The target's name ("" for the standard target). */
  targetName: string;
  /** Standard target verdict, or the chain name of an ERROR target. */
  verdict: number;
  errorName: string;
  packets: bigint;
  bytes: bigint;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function hexMask(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0) break;
    out += b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const ENTRY_SIZE = 112; // sizeof(struct ipt_entry)
const MATCH_HEADER = 32; // sizeof(struct xt_entry_match) / xt_entry_target

/**
 * Rows for one table from its IPT_SO_GET_ENTRIES blob (the ipt_entry records
 * after the 40-byte ipt_get_entries header) and its IPT_SO_GET_INFO hooks.
 */
export function parseIptBlob(table: string, info: IptInfo, blob: Uint8Array): Row[] {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const entries: Entry[] = [];
  for (let off = 0; off + ENTRY_SIZE <= blob.length; ) {
    const targetOffset = dv.getUint16(off + 88, true);
    const nextOffset = dv.getUint16(off + 90, true);
    if (nextOffset < ENTRY_SIZE || targetOffset < ENTRY_SIZE) break;
    const t = off + targetOffset;
    const targetName = t + MATCH_HEADER <= blob.length ? cString(blob.subarray(t + 2, t + 31)) : "";
    entries.push({
      offset: off,
      nextOffset,
      targetOffset,
      targetName,
      verdict: targetName === "" && t + MATCH_HEADER + 4 <= blob.length ? dv.getInt32(t + MATCH_HEADER, true) : 0,
      errorName: targetName === "ERROR" ? cString(blob.subarray(t + MATCH_HEADER, Math.min(t + MATCH_HEADER + 32, blob.length))) : "",
      packets: dv.getBigUint64(off + 96, true),
      bytes: dv.getBigUint64(off + 104, true),
    });
    off += nextOffset;
  }

  // Chains: built-in ones start at a hook entry and end at its underflow
  // (policy) entry; user chains start with an ERROR entry naming them and end
  // with a RETURN entry; the last ERROR entry ends the table.
  interface Chain { name: string; builtin: boolean; rules: Entry[]; policy: Entry | null; firstRuleOffset: number }
  const chains: Chain[] = [];
  const hookAt = new Map<number, number>();
  const underflowAt = new Set<number>();
  for (let h = 0; h < 5; h++) {
    if (info.validHooks & (1 << h)) {
      hookAt.set(info.hookEntry[h] ?? -1, h);
      underflowAt.add(info.underflow[h] ?? -1);
    }
  }
  let current: Chain | null = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry;
    const hook = hookAt.get(e.offset);
    if (hook !== undefined) {
      current = { name: HOOK_NAMES[hook] ?? String(hook), builtin: true, rules: [], policy: null, firstRuleOffset: e.offset };
      chains.push(current);
    }
    if (e.targetName === "ERROR") {
      const next = entries[i + 1];
      if (next === undefined) break; // the table's end marker
      current = { name: e.errorName, builtin: false, rules: [], policy: null, firstRuleOffset: next.offset };
      chains.push(current);
      continue;
    }
    if (!current) continue;
    if (current.builtin && underflowAt.has(e.offset)) {
      current.policy = e;
      current = null;
      continue;
    }
    const next = entries[i + 1];
    if (!current.builtin && next?.targetName === "ERROR" && e.targetName === "" && e.verdict === -5) {
      current = null; // the user chain's closing RETURN
      continue;
    }
    current.rules.push(e);
  }
  const byOffset = new Map(chains.map((c) => [c.firstRuleOffset, c.name]));

  // libiptc lists built-in chains first (kernel order), then user chains by name.
  const ordered = [
    ...chains.filter((c) => c.builtin),
    ...chains.filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  ];

  const rows: Row[] = [];
  for (const chain of ordered) {
    const head: Row = { filter_name: table, chain: chain.name };
    if (chain.policy) {
      head.policy = VERDICTS[chain.policy.verdict] ?? "";
      head.packets = chain.policy.packets;
      head.bytes = chain.policy.bytes;
    } else {
      head.policy = "";
      head.packets = 0;
      head.bytes = 0;
    }
    for (const e of chain.rules) rows.push({ ...head, ...ruleColumns(blob, dv, e, byOffset) });
    rows.push(head);
  }
  return rows;
}

function targetText(e: Entry, byOffset: Map<number, string>): string {
  if (e.targetName !== "") return e.targetName;
  if (e.verdict < 0) return VERDICTS[e.verdict] ?? "";
  // A jump: to the next entry means fall through (no target), else to a chain.
  if (e.verdict === e.offset + e.nextOffset) return "";
  return byOffset.get(e.verdict) ?? "";
}

function ruleColumns(blob: Uint8Array, dv: DataView, e: Entry, byOffset: Map<number, string>): Row {
  const o = e.offset;
  const inv = blob[o + 83] ?? 0;
  const bang = (flag: number) => (inv & flag ? "!" : "");
  const proto = dv.getUint16(o + 80, true);
  const iniface = cString(blob.subarray(o + 16, o + 32));
  const outiface = cString(blob.subarray(o + 32, o + 48));
  const row: Row = {
    target: targetText(e, byOffset),
    // osquery tests target_offset, which is never 0, so every rule says "yes".
    match: e.targetOffset ? "yes" : "no",
    src_port: "",
    dst_port: "",
    protocol: `${bang(INV_PROTO)}${proto}`,
    iniface: iniface ? `${bang(INV_VIA_IN)}${iniface}` : "all",
    outiface: outiface ? `${bang(INV_VIA_OUT)}${outiface}` : "all",
    src_ip: `${bang(INV_SRCIP)}${formatIPv4(blob, o)}`,
    dst_ip: `${bang(INV_DSTIP)}${formatIPv4(blob, o + 4)}`,
    src_mask: formatIPv4(blob, o + 8),
    dst_mask: formatIPv4(blob, o + 12),
    iniface_mask: hexMask(blob.subarray(o + 48, o + 64)),
    outiface_mask: hexMask(blob.subarray(o + 64, o + 80)),
  };
  if (proto === 6 || proto === 17) {
    // struct xt_tcp / xt_udp: spts[2], dpts[2] right after the first match header.
    const d = o + ENTRY_SIZE + MATCH_HEADER;
    if (d + 8 <= blob.length) {
      row.src_port = `${dv.getUint16(d, true)}:${dv.getUint16(d + 2, true)}`;
      row.dst_port = `${dv.getUint16(d + 4, true)}:${dv.getUint16(d + 6, true)}`;
    }
  }
  return row;
}

/** Table names from /proc/net/ip_tables_names. */
export function tableNames(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
}

function readTable(name: string): Row[] {
  const req = new Uint8Array(84);
  req.set(new TextEncoder().encode(name).subarray(0, 31));
  if (!rawIpGetsockopt(SOL_IP, IPT_SO_GET_INFO, req)) return [];
  const info = parseGetInfo(req);
  const entries = new Uint8Array(40 + info.size);
  entries.set(new TextEncoder().encode(name).subarray(0, 31));
  new DataView(entries.buffer).setUint32(32, info.size, true);
  if (!rawIpGetsockopt(SOL_IP, IPT_SO_GET_ENTRIES, entries)) return [];
  return parseIptBlob(name, info, entries.subarray(40));
}

export default defineTable({
  name: "iptables",
  columns: {
    filter_name: "TEXT",
    chain: "TEXT",
    policy: "TEXT",
    target: "TEXT",
    protocol: "INTEGER",
    src_port: "TEXT",
    dst_port: "TEXT",
    src_ip: "TEXT",
    src_mask: "TEXT",
    iniface: "TEXT",
    iniface_mask: "TEXT",
    dst_ip: "TEXT",
    dst_mask: "TEXT",
    outiface: "TEXT",
    outiface_mask: "TEXT",
    match: "TEXT",
    packets: "INTEGER",
    bytes: "INTEGER",
  },
  generate() {
    // Without the file (module not loaded, no permission) osquery returns nothing.
    const names = tableNames(readText("/proc/net/ip_tables_names") ?? "");
    return names.flatMap(readTable);
  },
});
