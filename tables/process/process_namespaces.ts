// process_namespaces: the inode of each namespace a process is in, from the
// /proc/<pid>/ns/<kind> links ("net:[4026531840]"). A namespace that cannot
// be read (no privileges over the process, kernel without it) stays NULL.
import { defineTable, type Row } from "../../src/table.ts";
import { namespaceInode } from "../../src/linux/sockets.ts";
import { pidsFromContext } from "../../src/linux/process_list.ts";

const KINDS = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] as const;

export default defineTable({
  name: "process_namespaces",
  columns: {
    pid: "INTEGER index optimized",
    cgroup_namespace: "TEXT",
    ipc_namespace: "TEXT",
    mnt_namespace: "TEXT",
    net_namespace: "TEXT",
    pid_namespace: "TEXT",
    user_namespace: "TEXT",
    uts_namespace: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const pid of pidsFromContext(ctx)) {
      const row: Row = { pid };
      for (const kind of KINDS) {
        if (!ctx.isColumnUsed(`${kind}_namespace`)) continue;
        const inode = namespaceInode(pid, kind);
        if (inode !== null) row[`${kind}_namespace`] = inode;
      }
      rows.push(row);
    }
    return rows;
  },
});
