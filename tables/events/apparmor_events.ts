// apparmor_events: AppArmor audit records (--audit_allow_apparmor_events) and their fields.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "apparmor_events",
  publisher: "auditeventpublisher",
  columns: {
    type: "TEXT",
    message: "TEXT",
    time: "BIGINT additional",
    uptime: "BIGINT",
    eid: "TEXT hidden",
    apparmor: "TEXT",
    operation: "TEXT",
    parent: "UNSIGNED_BIGINT",
    profile: "TEXT",
    name: "TEXT",
    pid: "UNSIGNED_BIGINT",
    comm: "TEXT",
    denied_mask: "TEXT",
    capname: "TEXT",
    fsuid: "UNSIGNED_BIGINT",
    ouid: "UNSIGNED_BIGINT",
    capability: "BIGINT",
    requested_mask: "TEXT",
    info: "TEXT",
    error: "TEXT",
    namespace: "TEXT",
    label: "TEXT",
  },
});
