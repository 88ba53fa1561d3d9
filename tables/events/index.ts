// The evented tables: each reads the rows its subscriber (src/events/, src/audit/, src/syslog/) stored.
import type { Table } from "../../src/table.ts";
import apparmorEvents from "./apparmor_events.ts";
import fileEvents from "./file_events.ts";
import hardwareEvents from "./hardware_events.ts";
import processEvents from "./process_events.ts";
import processFileEvents from "./process_file_events.ts";
import seccompEvents from "./seccomp_events.ts";
import selinuxEvents from "./selinux_events.ts";
import socketEvents from "./socket_events.ts";
import syslogEvents from "./syslog_events.ts";
import userEvents from "./user_events.ts";
import yaraEvents from "./yara_events.ts";

export const tables: readonly Table[] = [
  fileEvents,
  hardwareEvents,
  apparmorEvents,
  processEvents,
  processFileEvents,
  seccompEvents,
  selinuxEvents,
  socketEvents,
  syslogEvents,
  userEvents,
  yaraEvents,
];
