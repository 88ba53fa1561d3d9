// seccomp_events: seccomp actions the kernel logged (--audit_allow_seccomp_events).
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "seccomp_events",
  publisher: "auditeventpublisher",
  columns: {
    time: "BIGINT additional",
    uptime: "BIGINT",
    auid: "UNSIGNED_BIGINT",
    uid: "UNSIGNED_BIGINT",
    gid: "UNSIGNED_BIGINT",
    ses: "UNSIGNED_BIGINT",
    pid: "UNSIGNED_BIGINT",
    comm: "TEXT",
    exe: "TEXT",
    sig: "BIGINT",
    arch: "TEXT",
    syscall: "TEXT",
    compat: "BIGINT",
    ip: "TEXT",
    code: "TEXT",
  },
});
