// logged_in_users: the current login records in utmp (/var/run/utmp), one row
// per record except init's own (pid 1), with osquery's names for ut_type.
import { readUtmp, UTMP_PATH, UtmpType, type UtmpRecord } from "../../src/linux/utmp.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "logged_in_users",
  cacheable: true,
  columns: {
    type: "TEXT",
    user: "TEXT",
    tty: "TEXT",
    host: "TEXT",
    time: "BIGINT",
    pid: "INTEGER",
    sid: "TEXT platform",
    registry_hive: "TEXT platform",
  },
  generate() {
    return loggedInRows(readUtmp(UTMP_PATH));
  },
});

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [UtmpType.EMPTY]: "empty",
  [UtmpType.RUN_LVL]: "runlevel",
  [UtmpType.BOOT_TIME]: "boot_time",
  [UtmpType.NEW_TIME]: "new_time",
  [UtmpType.OLD_TIME]: "old_time",
  [UtmpType.INIT_PROCESS]: "init",
  [UtmpType.LOGIN_PROCESS]: "login",
  [UtmpType.USER_PROCESS]: "user",
  [UtmpType.DEAD_PROCESS]: "dead",
  [UtmpType.ACCOUNTING]: "accounting",
};

export function loggedInRows(records: readonly UtmpRecord[]): Row[] {
  return records
    .filter((r) => r.pid !== 1)
    .map((r) => ({
      type: TYPE_NAMES[r.type] ?? "unknown",
      user: r.user,
      tty: r.line,
      host: r.host,
      time: r.tv_sec,
      pid: r.pid,
    }));
}
