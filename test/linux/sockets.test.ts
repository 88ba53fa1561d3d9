// /proc/net socket parsers on fixtures in the kernel's formats.
import { describe, expect, test } from "bun:test";
import { isListening, parseInetSockets, parseNamespaceLink, parsePacketSockets, parseUnixSockets } from "../../src/linux/sockets.ts";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1147 1 0000000000000000 100 0 0 10 0
   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 2200 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C41 0100007F:1F90 0C 00000000:00000000 00:00000000 00000000  1000        0 2201 1
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  5: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 3300 2 0000000000000000 0
`;
const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 4400 /run/dbus/system_bus_socket
0000000000000000: 00000002 00000000 00000000 0001 03 4401
0000000000000000: 00000002 00000000 00010000 0001 01 4402 @/tmp/.X11-unix/X0
`;
const PACKET = `sk       RefCnt Type Proto  Iface R Rmem   User   Inode
0000000000000000 3      3    0003   2     1 0      0      5500
`;

describe("socket parsers", () => {
  test("tcp: addresses, ports, states, inodes", () => {
    const rows = parseInetSockets(TCP, 2, 6, "42");
    expect(rows.map((r) => [r.localAddress, r.localPort, r.remoteAddress, r.remotePort, r.state, r.socket, r.netNamespace])).toEqual([
      ["127.0.0.1", 8080, "0.0.0.0", 0, "LISTEN", "1147", "42"],
      ["127.0.0.1", 40000, "127.0.0.1", 8080, "ESTABLISHED", "2200", "42"],
      ["127.0.0.1", 40001, "127.0.0.1", 8080, "UNKNOWN", "2201", "42"],
    ]);
  });

  test("udp6: no state for non-TCP protocols", () => {
    const [r] = parseInetSockets(UDP6, 10, 17);
    expect(r).toMatchObject({ family: 10, protocol: 17, localAddress: "::1", localPort: 53, remoteAddress: "::", remotePort: 0, state: "", socket: "3300" });
    expect(parseInetSockets("garbage header\n1 2 3", 2, 6)).toEqual([]);
  });

  test("unix: path or empty, protocol 0", () => {
    const rows = parseUnixSockets(UNIX);
    expect(rows.map((r) => [r.socket, r.path, r.family, r.protocol])).toEqual([
      ["4400", "/run/dbus/system_bus_socket", 1, 0],
      ["4401", "", 1, 0],
      ["4402", "@/tmp/.X11-unix/X0", 1, 0],
    ]);
    expect(rows.map(isListening)).toEqual([true, false, true]);
  });

  test("packet: protocol from hex, state NONE", () => {
    expect(parsePacketSockets(PACKET)).toEqual([
      { socket: "5500", family: 17, protocol: 3, localAddress: "", localPort: 0, remoteAddress: "", remotePort: 0, path: "", state: "NONE", netNamespace: "0" },
    ]);
  });

  test("namespace links", () => {
    expect(parseNamespaceLink("net:[4026531840]", "net")).toBe("4026531840");
    expect(parseNamespaceLink("mnt:[4026531840]", "net")).toBeNull();
    expect(parseNamespaceLink("net:[0]", "net")).toBeNull();
  });
});
