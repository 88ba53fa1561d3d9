// user_events: User-space audit messages (types 1100-1199: logins, PAM, ...), from the audit netlink.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "user_events",
  publisher: "auditeventpublisher",
  columns: {
    uid: "BIGINT",
    auid: "BIGINT",
    pid: "BIGINT",
    message: "TEXT",
    type: "INTEGER",
    path: "TEXT",
    address: "TEXT",
    terminal: "TEXT",
    time: "BIGINT additional",
    uptime: "BIGINT",
    eid: "TEXT hidden",
  },
});
