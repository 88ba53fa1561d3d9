// A netfilter "filter" table built byte by byte in the kernel's layout
// (struct ipt_entry, xt_entry_match/target, ipt_getinfo), shared by the blob
// walker test and the kernel round trip run in a private network namespace.
const align8 = (n: number) => (n + 7) & ~7;

export interface Part { name: string; revision?: number; data: Uint8Array }
interface EntrySpec {
  src?: [number, number, number, number]; smsk?: [number, number, number, number];
  iniface?: string; outiface?: string; proto?: number; invflags?: number;
  matches?: Part[]; target: Part; packets?: bigint; bytes?: bigint;
}

function part(p: Part): Uint8Array {
  const size = align8(32 + p.data.length);
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint16(0, size, true);
  b.set(new TextEncoder().encode(p.name), 2);
  b[31] = p.revision ?? 0;
  b.set(p.data, 32);
  return b;
}

function ifaceMask(name: string): Uint8Array {
  const m = new Uint8Array(16);
  m.fill(0xff, 0, name.length + 1);
  return m;
}

function entry(e: EntrySpec): Uint8Array {
  const matches = (e.matches ?? []).map(part);
  const target = part(e.target);
  const matchBytes = matches.reduce((n, m) => n + m.length, 0);
  const size = 112 + matchBytes + target.length;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b.set(e.src ?? [0, 0, 0, 0], 0);
  b.set(e.smsk ?? [0, 0, 0, 0], 8);
  if (e.iniface) { b.set(new TextEncoder().encode(e.iniface), 16); b.set(ifaceMask(e.iniface), 48); }
  if (e.outiface) { b.set(new TextEncoder().encode(e.outiface), 32); b.set(ifaceMask(e.outiface), 64); }
  dv.setUint16(80, e.proto ?? 0, true);
  b[83] = e.invflags ?? 0;
  dv.setUint16(88, 112 + matchBytes, true);
  dv.setUint16(90, size, true);
  dv.setBigUint64(96, e.packets ?? 0n, true);
  dv.setBigUint64(104, e.bytes ?? 0n, true);
  let off = 112;
  for (const m of matches) { b.set(m, off); off += m.length; }
  b.set(target, off);
  return b;
}

const int32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };
const standard = (verdict: number): Part => ({ name: "", data: int32(verdict) });
const error = (name: string): Part => { const d = new Uint8Array(32); d.set(new TextEncoder().encode(name)); return { name: "ERROR", data: d }; };
const ports = (s0: number, s1: number, d0: number, d1: number, extra: number) => {
  const b = new Uint8Array(8 + extra);
  const dv = new DataView(b.buffer);
  [s0, s1, d0, d1].forEach((p, i) => dv.setUint16(2 * i, p, true));
  return b;
};
const ACCEPT = -2, DROP = -1, RETURN = -5;
/** LOG with struct xt_log_info (level, flags, 30-byte prefix). */
export const LOG: Part = { name: "LOG", data: new Uint8Array(32) };
/** REJECT with icmp-port-unreachable (struct ipt_reject_info). */
export const REJECT: Part = { name: "REJECT", data: Uint8Array.from([3, 0, 0, 0]) };

/**
 * filter table: INPUT (2 rules, DROP), FORWARD (ACCEPT), OUTPUT (1 rule,
 * ACCEPT), user chain MYCHAIN. `outputTarget` is the OUTPUT rule's target.
 */
export function buildFilter(outputTarget: Part = LOG): { info: Uint8Array; blob: Uint8Array } {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  const add = (b: Uint8Array) => { offsets.push(at); parts.push(b); at += b.length; return offsets.length - 1; };

  const in1 = add(entry({ src: [10, 0, 0, 0], smsk: [255, 0, 0, 0], iniface: "eth0", proto: 6, matches: [{ name: "tcp", data: ports(0, 65535, 22, 22, 4) }], target: standard(ACCEPT), packets: 9n, bytes: 900n }));
  const in2 = add(entry({ target: standard(0) })); // jump, patched below
  const inPolicy = add(entry({ target: standard(DROP), packets: 5n, bytes: 500n }));
  const fwPolicy = add(entry({ target: standard(ACCEPT) }));
  const out1 = add(entry({ outiface: "lo", invflags: 0x02, proto: 17, matches: [{ name: "udp", data: ports(53, 53, 0, 65535, 2) }], target: outputTarget }));
  const outPolicy = add(entry({ target: standard(ACCEPT), packets: 7n, bytes: 700n }));
  add(entry({ target: error("MYCHAIN") }));
  const my1 = add(entry({ target: standard(RETURN) }));
  const my2 = add(entry({ proto: 1, invflags: 0x40, target: standard(0) })); // fall-through, patched below
  add(entry({ target: standard(RETURN) }));
  add(entry({ target: error("ERROR") }));

  const blob = new Uint8Array(at);
  parts.forEach((p, i) => blob.set(p, offsets[i] ?? 0));
  const dv = new DataView(blob.buffer);
  const verdictAt = (i: number) => (offsets[i] ?? 0) + 112 + 32;
  dv.setInt32(verdictAt(in2), offsets[my1] ?? 0, true); // jump to MYCHAIN's first rule
  dv.setInt32(verdictAt(my2), (offsets[my2] ?? 0) + (parts[my2]?.length ?? 0), true);

  const info = new Uint8Array(84);
  info.set(new TextEncoder().encode("filter"));
  const iv = new DataView(info.buffer);
  iv.setUint32(32, 0b1110, true);
  const hooks: [number, number, number][] = [[1, in1, inPolicy], [2, fwPolicy, fwPolicy], [3, out1, outPolicy]];
  for (const [h, first, policy] of hooks) {
    iv.setUint32(36 + 4 * h, offsets[first] ?? 0, true);
    iv.setUint32(56 + 4 * h, offsets[policy] ?? 0, true);
  }
  iv.setUint32(76, parts.length, true);
  iv.setUint32(80, at, true);
  return { info, blob };
}
