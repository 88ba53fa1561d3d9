// The syslog family: lines rsyslog forwards through osq's pipe (src/syslog/).
import type { Table } from "../../src/table.ts";
import syslog_events from "./syslog_events.ts";

export const tables: Table[] = [syslog_events];
