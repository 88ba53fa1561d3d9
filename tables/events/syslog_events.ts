// syslog_events: Syslog lines rsyslog writes to --syslog_pipe_path (--enable_syslog).
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "syslog_events",
  publisher: "syslog",
  aliases: ["syslog"],
  columns: {
    time: "BIGINT additional",
    datetime: "TEXT",
    host: "TEXT",
    severity: "INTEGER",
    facility: "TEXT",
    tag: "TEXT",
    message: "TEXT",
    eid: "TEXT hidden",
  },
});
