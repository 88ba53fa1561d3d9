// The few libc networking calls that Node/Bun do not expose, through bun:ffi:
// netlink dumps (routes), getifaddrs/getnameinfo (interface addresses as glibc
// forms them), interface ioctls (hardware address, ethtool) and netfilter's
// getsockopt (iptables). osquery makes the same calls, so using them gives the
// same data. Every entry point returns null when libc or the call is not
// available, so callers can fall back to /proc and /sys.
import { CString, ptr, read, toArrayBuffer, type Pointer } from "bun:ffi";
import { errno, libc, type Libc } from "./libc.ts";

const AF_INET = 2;
const AF_INET6 = 10;
export const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOCK_NONBLOCK = 0o4000;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const SO_RCVBUFFORCE = 33;
/** recv(2) flag: return at once when nothing is queued. */
export const MSG_DONTWAIT = 0x40;
const NLMSG_DONE = 3;
const NLMSG_ERROR = 2;

function withSocket<T>(domain: number, type: number, protocol: number, fn: (c: Libc, fd: number) => T): T | null {
  const c = libc();
  if (!c) return null;
  const fd = c.socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return null;
  try {
    return fn(c, fd);
  } finally {
    c.close(fd);
  }
}

/**
 * A raw, non-blocking, close-on-exec netlink socket of `protocol` for a
 * reader that polls it from the event loop, or why there is none. Its receive
 * buffer is raised to `receiveBytes` to ride out bursts between two polls:
 * SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it the ordinary limit applies.
 */
export function openNetlinkSocket(protocol: number, name: string, receiveBytes: number): { c: Libc; fd: number } | string {
  const c = libc();
  if (!c) return "libc.so.6 cannot be opened";
  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return `cannot open a ${name} socket (errno ${errno(c)})`;
  const size = new Int32Array([receiveBytes]);
  if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, ptr(size), 4) < 0) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, ptr(size), 4);
  return { c, fd };
}

/**
 * Sends one netlink dump request (header + `payload`) and returns every
 * message of the answer as [type, body] pairs, body being the bytes after the
 * 16-byte nlmsghdr. Null when netlink is unavailable or the kernel refused.
 */
export function netlinkDump(protocol: number, type: number, payload: Uint8Array): [number, Uint8Array][] | null {
  return withSocket(AF_NETLINK, SOCK_DGRAM, protocol, (c, fd) => {
    // A receive timeout so a kernel that never answers cannot hang a query.
    const tv = new BigInt64Array([2n, 0n]);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, ptr(tv), 16);
    const NLM_F_REQUEST = 0x1;
    const NLM_F_DUMP = 0x300;
    const len = 16 + payload.length;
    const req = new Uint8Array(len);
    const dv = new DataView(req.buffer);
    dv.setUint32(0, len, true);
    dv.setUint16(4, type, true);
    dv.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, true);
    dv.setUint32(8, 1, true); // sequence number
    req.set(payload, 16);
    if (Number(c.send(fd, ptr(req), len, 0)) !== len) return null;

    const out: [number, Uint8Array][] = [];
    const buf = new Uint8Array(1 << 16);
    const view = new DataView(buf.buffer);
    for (;;) {
      const n = Number(c.recv(fd, ptr(buf), buf.length, 0));
      if (n <= 0) return null;
      let off = 0;
      while (off + 16 <= n) {
        const mlen = view.getUint32(off, true);
        const mtype = view.getUint16(off + 4, true);
        if (mlen < 16 || off + mlen > n) return out;
        if (mtype === NLMSG_DONE) return out;
        if (mtype === NLMSG_ERROR) return out.length > 0 ? out : null;
        out.push([mtype, buf.slice(off + 16, off + mlen)]);
        off += (mlen + 3) & ~3;
      }
    }
  });
}

/** One entry of getifaddrs(3), addresses already formatted as getnameinfo(NI_NUMERICHOST) does. */
export interface IfAddr {
  name: string;
  flags: number;
  /** sa_family of ifa_addr, or null when the entry has no address. */
  family: number | null;
  address: string | null;
  netmask: string | null;
  /** ifa_broadaddr / ifa_dstaddr (the same union in glibc). */
  destination: string | null;
  /** For AF_PACKET entries: struct rtnl_link_stats (32-bit counters) from ifa_data. */
  stats: Uint32Array | null;
}

function nameInfo(c: Libc, sa: number, host: Uint8Array): string | null {
  if (sa === 0) return null;
  const family = read.u16(sa as Pointer, 0);
  const salen = family === AF_INET ? 16 : family === AF_INET6 ? 28 : 0;
  if (salen === 0) return null;
  const NI_NUMERICHOST = 1;
  if (c.getnameinfo(sa as Pointer, salen, ptr(host), host.length, null, 0, NI_NUMERICHOST) !== 0) return "";
  return new CString(ptr(host)).toString().trim();
}

/** getifaddrs(3), in glibc's order. Null when libc cannot be used. */
export function getIfAddrs(): IfAddr[] | null {
  const c = libc();
  if (!c) return null;
  const head = new BigUint64Array(1);
  if (c.getifaddrs(ptr(head)) !== 0 || head[0] === 0n) return null;
  const first = Number(head[0]);
  const out: IfAddr[] = [];
  const host = new Uint8Array(1025);
  try {
    // struct ifaddrs (LP64): next 0, name 8, flags 16, addr 24, netmask 32, broad/dst 40, data 48.
    for (let p = first; p !== 0; p = Number(read.ptr(p as Pointer, 0))) {
      const at = p as Pointer;
      const namePtr = read.ptr(at, 8);
      const addr = read.ptr(at, 24);
      const family = addr === 0 ? null : read.u16(addr as Pointer, 0);
      const data = read.ptr(at, 48);
      out.push({
        name: namePtr === 0 ? "" : new CString(namePtr as Pointer).toString(),
        flags: read.u32(at, 16),
        family,
        address: nameInfo(c, addr, host),
        netmask: nameInfo(c, read.ptr(at, 32), host),
        destination: nameInfo(c, read.ptr(at, 40), host),
        // The first ten u32 counters of struct rtnl_link_stats (rx/tx packets,
        // bytes, errors, dropped, multicast, collisions), copied before freeifaddrs.
        stats: family === 17 && data !== 0 ? new Uint32Array(toArrayBuffer(data as Pointer, 0, 10 * 4).slice(0)) : null,
      });
    }
  } finally {
    c.freeifaddrs(first as Pointer);
  }
  return out;
}

/**
 * An interface ioctl on an AF_INET datagram socket with a struct ifreq
 * (name + 24-byte union). When `data` is given, its address is placed in the
 * union (ifr_data), as SIOCETHTOOL wants. Returns the ifreq after the call,
 * or null when the call failed.
 */
export function interfaceIoctl(name: string, request: number, data?: Uint8Array): Uint8Array | null {
  return withSocket(AF_INET, SOCK_DGRAM, 0, (c, fd) => {
    const ifr = new Uint8Array(40);
    ifr.set(new TextEncoder().encode(name).subarray(0, 15), 0);
    if (data) new DataView(ifr.buffer).setBigUint64(16, BigInt(ptr(data)), true);
    return c.ioctl(fd, request, ptr(ifr)) < 0 ? null : ifr;
  });
}

/** if_indextoname(3), or null. */
export function interfaceName(index: number): string | null {
  const c = libc();
  if (!c) return null;
  const buf = new Uint8Array(16);
  const r = c.if_indextoname(index, ptr(buf));
  return r === null || r === 0 ? null : new CString(ptr(buf)).toString();
}

/**
 * getsockopt on a raw IPv4 socket, as iptables' libiptc queries netfilter.
 * `buf` goes in with the request filled in and comes back with the answer.
 * Returns false when the socket cannot be opened or the kernel refuses.
 */
export function rawIpGetsockopt(level: number, option: number, buf: Uint8Array): boolean {
  const IPPROTO_RAW = 255;
  return (
    withSocket(AF_INET, SOCK_RAW, IPPROTO_RAW, (c, fd) => {
      const len = new Uint32Array([buf.length]);
      return c.getsockopt(fd, level, option, ptr(buf), ptr(len)) === 0;
    }) ?? false
  );
}
