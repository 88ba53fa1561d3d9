// selinux_events: SELinux audit records (--audit_allow_selinux_events), as the kernel wrote them.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "selinux_events",
  publisher: "auditeventpublisher",
  columns: {
    type: "TEXT",
    message: "TEXT",
    time: "BIGINT additional",
    uptime: "BIGINT",
    eid: "TEXT hidden",
  },
});
