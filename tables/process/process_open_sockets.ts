// process_open_sockets: every socket of every network namespace reachable
// through a process, with the process and descriptor holding it. Without a
// pid constraint, sockets no process holds (e.g. TIME_WAIT) are listed with
// pid and fd -1; with `pid = ...` only that process's sockets are read.
import { defineTable } from "../../src/table.ts";
import { openSockets } from "../../src/linux/sockets.ts";

export default defineTable({
  name: "process_open_sockets",
  columns: {
    pid: "INTEGER additional",
    fd: "BIGINT",
    socket: "BIGINT",
    family: "INTEGER",
    protocol: "INTEGER",
    local_address: "TEXT",
    remote_address: "TEXT",
    local_port: "INTEGER",
    remote_port: "INTEGER",
    path: "TEXT",
    state: "TEXT",
    net_namespace: "TEXT",
  },
  generate(ctx) {
    const pids = ctx.equals("pid");
    return openSockets(pids.length > 0 ? pids : null).map((s) => ({
      pid: s.pid,
      fd: s.fd,
      socket: s.socket,
      family: s.family,
      protocol: s.protocol,
      local_address: s.localAddress,
      remote_address: s.remoteAddress,
      local_port: s.localPort,
      remote_port: s.remotePort,
      path: s.path,
      state: s.state,
      net_namespace: s.netNamespace,
    }));
  },
});
