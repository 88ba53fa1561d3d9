// last: the login history in wtmp (/var/log/wtmp): only login (USER_PROCESS)
// and logout (DEAD_PROCESS) records, in file order, as osquery reports them.
import { readUtmp, UtmpType, WTMP_PATH, type UtmpRecord } from "../../src/linux/utmp.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "last",
  cacheable: true,
  columns: {
    username: "TEXT",
    tty: "TEXT",
    pid: "INTEGER",
    type: "INTEGER",
    type_name: "TEXT",
    time: "INTEGER",
    host: "TEXT",
  },
  generate() {
    return lastRows(readUtmp(WTMP_PATH));
  },
});

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [UtmpType.USER_PROCESS]: "user-process",
  [UtmpType.DEAD_PROCESS]: "dead-process",
};

export function lastRows(records: readonly UtmpRecord[]): Row[] {
  return records
    .filter((r) => r.type === UtmpType.USER_PROCESS || r.type === UtmpType.DEAD_PROCESS)
    .map((r) => ({
      username: r.user,
      tty: r.line,
      pid: r.pid,
      type: r.type,
      type_name: TYPE_NAMES[r.type]!,
      time: r.tv_sec,
      host: r.host,
    }));
}
