// socket_events: bind, connect and accept calls with their addresses (--audit_allow_sockets), from the audit netlink.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "socket_events",
  publisher: "auditeventpublisher",
  columns: {
    action: "TEXT",
    pid: "BIGINT",
    path: "TEXT",
    fd: "TEXT",
    auid: "BIGINT",
    family: "INTEGER",
    protocol: "INTEGER hidden",
    local_address: "TEXT",
    remote_address: "TEXT",
    local_port: "INTEGER",
    remote_port: "INTEGER",
    socket: "TEXT hidden",
    time: "BIGINT additional",
    uptime: "BIGINT",
    eid: "TEXT hidden",
    success: "INTEGER hidden",
    status: "TEXT",
  },
});
