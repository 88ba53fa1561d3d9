// process_file_events: File changes of processes rebuilt from their syscalls (--audit_allow_fim_events), for the paths of file_paths.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "process_file_events",
  publisher: "auditeventpublisher",
  columns: {
    operation: "TEXT",
    pid: "BIGINT",
    ppid: "BIGINT",
    time: "BIGINT additional",
    executable: "TEXT",
    partial: "TEXT",
    cwd: "TEXT",
    path: "TEXT",
    dest_path: "TEXT",
    uid: "TEXT",
    gid: "TEXT",
    auid: "TEXT",
    euid: "TEXT",
    egid: "TEXT",
    fsuid: "TEXT",
    fsgid: "TEXT",
    suid: "TEXT",
    sgid: "TEXT",
    uptime: "BIGINT",
    eid: "TEXT hidden",
  },
});
