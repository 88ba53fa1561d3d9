// The audit family: evented tables fed by the Linux audit netlink (src/audit/).
import type { Table } from "../../src/table.ts";
import apparmor_events from "./apparmor_events.ts";
import process_events from "./process_events.ts";
import process_file_events from "./process_file_events.ts";
import seccomp_events from "./seccomp_events.ts";
import selinux_events from "./selinux_events.ts";
import socket_events from "./socket_events.ts";
import user_events from "./user_events.ts";

export const tables: Table[] = [apparmor_events, process_events, process_file_events, seccomp_events, selinux_events, socket_events, user_events];
