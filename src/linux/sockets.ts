// Sockets of every process, as osquery's process_open_sockets sees them.
//
// Three sources are joined, per network namespace:
//  1. /proc/<pid>/fd/* links of the form socket:[<inode>] give inode → (pid, fd);
//  2. /proc/<pid>/ns/net gives the process's network namespace inode;
//  3. /proc/<pid>/net/{icmp,tcp,udp,udplite,raw}{,6}, unix and packet, read once
//     per namespace (through the first pid seen in it), list every socket there.
// listening_ports is a filter over the same rows, so both tables share this module.
import { readdirSync, readlinkSync } from "node:fs";
import { PROC, listPids, readLink, readText } from "./proc.ts";
import { decodeHexShort, decodeProcNetAddress } from "./inet.ts";
import { logUnreadable } from "./fs.ts";

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;

/** One socket as listed in a /proc/net file. */
export interface SocketInfo {
  /** The socket inode, as text (it is the join key with /proc/<pid>/fd). */
  socket: string;
  family: number;
  protocol: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Unix socket path ("" when anonymous or not a unix socket). */
  path: string;
  state: string;
  netNamespace: string;
}

/** A row of process_open_sockets: the socket and who holds it (-1 when no process was found). */
export interface OpenSocket extends SocketInfo {
  pid: number;
  fd: number;
}

/** osquery's protocol table files, in its order (by protocol number, IPv4 then IPv6). */
const INET_PROTOCOLS: readonly [number, string][] = [
  [1, "icmp"],
  [6, "tcp"],
  [17, "udp"],
  [136, "udplite"],
  [255, "raw"],
];

/** TCP states by the kernel's numbering (include/net/tcp_states.h). */
const TCP_STATES = [
  "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
  "TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
];

/** Splits like osquery's split(): on any of the delimiters, empty pieces dropped. */
function fieldsOf(line: string): string[] {
  return line.split(/[ \t]+/).filter((f) => f.length > 0);
}

/** Parses /proc/net/{tcp,udp,raw,icmp,udplite}[6]. */
export function parseInetSockets(text: string, family: 2 | 10, protocol: number, netNamespace = "0"): SocketInfo[] {
  const out: SocketInfo[] = [];
  const lines = text.split("\n");
  const header = (lines[0] ?? "").trim();
  if (!header.startsWith("sl") && !header.startsWith("sk")) return out;
  for (let i = 1; i < lines.length; i++) {
    const f = fieldsOf(lines[i] ?? "");
    if (f.length < 10) continue;
    const local = (f[1] ?? "").split(":").filter(Boolean);
    const remote = (f[2] ?? "").split(":").filter(Boolean);
    if (local.length !== 2 || remote.length !== 2) continue;
    let state = "";
    if (protocol === 6) {
      const st = /^[0-9a-fA-F]+$/.test(f[3] ?? "") ? Number.parseInt(f[3] ?? "", 16) : 0;
      state = st > 0 && st < TCP_STATES.length ? (TCP_STATES[st] ?? "UNKNOWN") : "UNKNOWN";
    }
    out.push({
      socket: f[9] ?? "",
      family,
      protocol,
      localAddress: decodeProcNetAddress(local[0] ?? "", family),
      localPort: decodeHexShort(local[1] ?? ""),
      remoteAddress: decodeProcNetAddress(remote[0] ?? "", family),
      remotePort: decodeHexShort(remote[1] ?? ""),
      path: "",
      state,
      netNamespace,
    });
  }
  return out;
}

/** Parses /proc/net/unix ("Num RefCount Protocol Flags Type St Inode Path"). */
export function parseUnixSockets(text: string, netNamespace = "0"): SocketInfo[] {
  const out: SocketInfo[] = [];
  const lines = text.split("\n");
  if (!(lines[0] ?? "").trim().startsWith("Num")) return out;
  for (let i = 1; i < lines.length; i++) {
    const f = fieldsOf(lines[i] ?? "");
    if (f.length < 7) continue;
    out.push({
      socket: f[6] ?? "",
      family: AF_UNIX,
      // The Protocol column is hex ("00000000"); osquery reads it as decimal digits.
      protocol: Number.parseInt(f[2] ?? "0", 10) || 0,
      localAddress: "",
      localPort: 0,
      remoteAddress: "",
      remotePort: 0,
      // osquery splits the line on spaces, so a path is its first word only.
      path: f[7] ?? "",
      state: "",
      netNamespace,
    });
  }
  return out;
}

/** Parses /proc/net/packet ("sk RefCnt Type Proto Iface R Rmem User Inode"). */
export function parsePacketSockets(text: string, netNamespace = "0"): SocketInfo[] {
  const out: SocketInfo[] = [];
  const lines = text.split("\n");
  const header = (lines[0] ?? "").trim();
  if (!header.startsWith("sl") && !header.startsWith("sk")) return out;
  for (let i = 1; i < lines.length; i++) {
    const f = fieldsOf(lines[i] ?? "");
    if (f.length < 9) continue;
    out.push({
      socket: f[8] ?? "",
      family: AF_PACKET,
      protocol: decodeHexShort(f[3] ?? ""),
      localAddress: "",
      localPort: 0,
      remoteAddress: "",
      remotePort: 0,
      path: "",
      state: "NONE",
      netNamespace,
    });
  }
  return out;
}

/** Every socket listed under /proc/<pid>/net, in osquery's file order. */
export function readNamespaceSockets(pid: number | string, netNamespace: string): SocketInfo[] {
  const base = `${PROC}/${pid}/net/`;
  const out: SocketInfo[] = [];
  for (const [protocol, name] of INET_PROTOCOLS) {
    const v4 = readText(base + name);
    if (v4 !== null) for (const item of parseInetSockets(v4, AF_INET, protocol, netNamespace)) out.push(item);
    const v6 = readText(`${base}${name}6`);
    if (v6 !== null) for (const item of parseInetSockets(v6, AF_INET6, protocol, netNamespace)) out.push(item);
  }
  const unix = readText(`${base}unix`);
  if (unix !== null) for (const item of parseUnixSockets(unix, netNamespace)) out.push(item);
  const packet = readText(`${base}packet`);
  if (packet !== null) for (const item of parsePacketSockets(packet, netNamespace)) out.push(item);
  return out;
}

/** The inode of a namespace link such as "net:[4026531840]", or null. */
export function parseNamespaceLink(link: string, name: string): string | null {
  if (!link.startsWith(`${name}:[`) || !link.endsWith("]")) return null;
  const inode = link.slice(name.length + 2, -1);
  return /^[1-9][0-9]*$/.test(inode) ? inode : null;
}

/** The namespace inode of one kind (net, mnt, ...) for a process, or null. */
export function namespaceInode(pid: number | string, name: string): string | null {
  const link = readLink(`${PROC}/${pid}/ns/${name}`);
  return link === null ? null : parseNamespaceLink(link, name);
}

/** fd number → link target for a process (empty when unreadable or gone). */
export function readDescriptors(pid: number | string): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(`${PROC}/${pid}/fd`);
  } catch (e) {
    logUnreadable("sockets.ts", `${PROC}/${pid}/fd`, e);
    return out;
  }
  // One line for the whole process rather than one per descriptor: a process
  // we may not inspect denies every fd alike; closed fds are simply gone.
  let denied: unknown = null;
  let deniedCount = 0;
  for (const fd of names) {
    try {
      out.set(fd, readlinkSync(`${PROC}/${pid}/fd/${fd}`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      denied = e;
      deniedCount++;
    }
  }
  if (deniedCount > 0) logUnreadable("sockets.ts", `${deniedCount} of the descriptors in ${PROC}/${pid}/fd`, denied);
  return out;
}

/**
 * process_open_sockets: every socket in every namespace reached through
 * `pids`, with its owner. With `pidFilter`, only sockets held by those pids are
 * kept; otherwise sockets with no owning process appear with pid/fd -1.
 */
export function openSockets(pids: readonly string[] | null): OpenSocket[] {
  // osquery walks pids as a sorted set of strings, so when several processes
  // share a socket the one that sorts last as text is reported.
  const pidFilter = pids !== null && pids.length > 0 && !pids.includes("-1");
  const list = pidFilter ? [...new Set(pids)] : listPids().map(String);
  list.sort();

  const owners = new Map<string, { pid: number; fd: number }>();
  const seenNamespaces = new Set<string>();
  const sockets: SocketInfo[] = [];
  for (const pid of list) {
    for (const [fd, link] of readDescriptors(pid)) {
      if (link.startsWith("socket:[")) owners.set(link.slice(8, -1), { pid: Number(pid), fd: Number(fd) });
    }
    const ns = namespaceInode(pid, "net") ?? "0";
    if (!seenNamespaces.has(ns)) {
      seenNamespaces.add(ns);
      for (const item of readNamespaceSockets(pid, ns)) sockets.push(item);
    }
  }

  const out: OpenSocket[] = [];
  for (const s of withoutUnknownDuplicates(sockets)) {
    const owner = owners.get(s.socket);
    if (owner) out.push({ ...s, pid: owner.pid, fd: owner.fd });
    else if (!pidFilter) out.push({ ...s, pid: -1, fd: -1 });
  }
  return out;
}

/**
 * A process whose ns/net link cannot be read (e.g. a protected pid 1) counts
 * as namespace "0", and osquery then reads /proc/<pid>/net through it even
 * when that namespace was also read under its real inode, listing its sockets
 * twice (tables/networking/linux/process_open_sockets.cpp). osq keeps osquery's "0" for namespaces it cannot name but drops the
 * copies of sockets already listed under a known namespace.
 */
function withoutUnknownDuplicates(sockets: SocketInfo[]): SocketInfo[] {
  const key = (s: SocketInfo) =>
    `${s.family}/${s.protocol}/${s.socket}/${s.localAddress}/${s.localPort}/${s.remoteAddress}/${s.remotePort}/${s.path}`;
  const known = new Set(sockets.filter((s) => s.netNamespace !== "0").map(key));
  if (known.size === 0) return sockets;
  return sockets.filter((s) => s.netNamespace !== "0" || !known.has(key(s)));
}

/** listening_ports' rule over process_open_sockets rows (osquery's filter, not the TCP state). */
export function isListening(s: SocketInfo): boolean {
  if (s.family === AF_UNIX) return s.path !== "";
  if (s.family === AF_INET || s.family === AF_INET6) return s.remotePort === 0;
  return true;
}
