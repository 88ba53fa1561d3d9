// process_open_files: each process's file descriptors that name a file, from
// the /proc/<pid>/fd/* links. Sockets, pipes and anonymous inodes are left out
// (they have their own tables), as osquery does. Rows come as osquery's
// std::set/std::map of strings order them: pids, then fds, in text order
// (fd 10 before fd 2), each pid once however often it is named.
import { defineTable, type Row } from "../../src/table.ts";
import { pidsFromContext } from "../../src/linux/process_list.ts";
import { readDescriptors } from "../../src/linux/sockets.ts";

/** True for a link target that is a file or directory (osquery's test: no socket:, pipe:, anon_inode:). */
export function isFileDescriptor(link: string): boolean {
  return !link.includes("socket:") && !link.includes("anon_inode:") && !link.includes("pipe:");
}

export default defineTable({
  name: "process_open_files",
  columns: {
    pid: "BIGINT index",
    fd: "BIGINT",
    path: "TEXT",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const pid of pidsFromContext(ctx)) {
      const fds = [...readDescriptors(pid)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [fd, path] of fds) {
        if (isFileDescriptor(path)) rows.push({ pid, fd: Number(fd), path });
      }
    }
    return rows;
  },
});
