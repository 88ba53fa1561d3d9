// listening_ports: the rows of process_open_sockets that osquery counts as
// listening: IPv4/IPv6 sockets with no remote port (TCP LISTEN, bound UDP,
// raw), unix sockets with a path, and packet sockets. Unix rows carry the
// path with port 0 and socket 0; the others carry address and port.
import { defineTable, type Row } from "../../src/table.ts";
import { AF_UNIX, isListening, openSockets } from "../../src/linux/sockets.ts";

export default defineTable({
  name: "listening_ports",
  cacheable: true,
  columns: {
    pid: "INTEGER",
    port: "INTEGER",
    protocol: "INTEGER",
    family: "INTEGER",
    address: "TEXT",
    fd: "BIGINT",
    socket: "BIGINT",
    path: "TEXT",
    net_namespace: "TEXT",
  },
  generate() {
    const rows: Row[] = [];
    for (const s of openSockets(null)) {
      if (!isListening(s)) continue;
      const common = { pid: s.pid, protocol: s.protocol, family: s.family, fd: s.fd, net_namespace: s.netNamespace };
      if (s.family === AF_UNIX) rows.push({ ...common, port: 0, path: s.path, socket: 0 });
      else rows.push({ ...common, address: s.localAddress, port: s.localPort, socket: s.socket });
    }
    return rows;
  },
});
