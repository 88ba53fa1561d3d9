// The kernel's device events (uevents) through bun:ffi: a non-blocking
// NETLINK_KOBJECT_UEVENT socket bound to a multicast group, read without
// waiting. Group 1 carries the kernel's own messages ("add@/devices/…" then
// KEY=VALUE strings); group 2 carries systemd-udevd's, after its rules ran
// ("libudev" header, then the properties), which is what osquery's libudev
// monitor reads.
import { ptr } from "bun:ffi";
import { EAGAIN, EINTR, ENOBUFS, errno, type Libc } from "./libc.ts";
import { AF_NETLINK, MSG_DONTWAIT, openNetlinkSocket } from "./libc_net.ts";

const NETLINK_KOBJECT_UEVENT = 15;

export const KERNEL_GROUP = 1;
export const UDEV_GROUP = 2;

export interface Uevent {
  /** add, remove, change, move, online, offline, bind, unbind. */
  readonly action: string;
  readonly devpath: string;
  readonly properties: ReadonlyMap<string, string>;
}

export type UeventRead = Uevent[] | "overrun" | null;

export class UeventSocket {
  private constructor(
    private readonly lib: Libc,
    readonly fd: number,
    private readonly buf: Buffer,
  ) {}

  /** A socket on multicast `group`, or the reason there is none. */
  static open(group: number, receiveBuffer = 4 * 1024 * 1024): UeventSocket | string {
    const opened = openNetlinkSocket(NETLINK_KOBJECT_UEVENT, "NETLINK_KOBJECT_UEVENT", receiveBuffer);
    if (typeof opened === "string") return opened;
    const { c: lib, fd } = opened;
    // struct sockaddr_nl: family, pad, pid (0: the kernel assigns one), groups.
    const addr = Buffer.alloc(12);
    addr.writeUInt16LE(AF_NETLINK, 0);
    addr.writeUInt32LE(group, 8);
    if (lib.bind(fd, ptr(addr), addr.length) < 0) {
      const e = errno(lib);
      lib.close(fd);
      return `cannot bind the uevent socket to group ${group} (errno ${e})`;
    }
    return new UeventSocket(lib, fd, Buffer.alloc(64 * 1024));
  }

  /** The messages queued now, "overrun" when the kernel dropped some (ENOBUFS), or null when none are queued. */
  read(max = 256): UeventRead {
    const out: Uevent[] = [];
    while (out.length < max) {
      const n = Number(this.lib.recv(this.fd, ptr(this.buf), this.buf.length, MSG_DONTWAIT));
      if (n < 0) {
        const e = errno(this.lib);
        if (e === EINTR) continue;
        if (e === EAGAIN) break;
        if (e === ENOBUFS) return out.length > 0 ? out : "overrun";
        throw new Error(`uevent recv failed (errno ${e})`);
      }
      const ev = parseUevent(this.buf.subarray(0, n));
      if (ev) out.push(ev);
    }
    return out.length > 0 ? out : null;
  }

  close(): void {
    this.lib.close(this.fd);
  }
}

/** NUL-separated KEY=VALUE strings from `start`. */
function properties(buf: Buffer, start: number, end: number): Map<string, string> {
  const props = new Map<string, string>();
  for (let i = start; i < end; ) {
    let j = buf.indexOf(0, i);
    if (j < 0 || j > end) j = end;
    const s = buf.toString("latin1", i, j);
    const eq = s.indexOf("=");
    if (eq > 0) props.set(s.slice(0, eq), s.slice(eq + 1));
    i = j + 1;
  }
  return props;
}

/** One netlink message of either group, or null when it is neither shape. */
export function parseUevent(buf: Buffer): Uevent | null {
  let props: Map<string, string>;
  if (buf.length >= 40 && buf.toString("latin1", 0, 8) === "libudev\0") {
    // struct udev_monitor_netlink_header: prefix[8], magic (big-endian 0xfeedcafe), header_size, properties_off, properties_len, …
    if (buf.readUInt32BE(8) !== 0xfeedcafe) return null;
    const off = buf.readUInt32LE(16);
    const len = buf.readUInt32LE(20);
    if (off + len > buf.length) return null;
    props = properties(buf, off, off + len);
  } else {
    const head = buf.indexOf(0);
    if (head < 0 || !buf.toString("latin1", 0, head).includes("@")) return null;
    props = properties(buf, head + 1, buf.length);
  }
  const action = props.get("ACTION");
  const devpath = props.get("DEVPATH");
  if (!action || !devpath) return null;
  return { action, devpath, properties: props };
}
