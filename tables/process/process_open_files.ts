// process_open_files: each process's file descriptors that name a file, from
// the /proc/<pid>/fd/* links. Sockets, pipes and anonymous inodes are left out
// (they have their own tables), as osquery does.
import { defineTable, type Row } from "../../src/table.ts";
import { listPids } from "../../src/linux/proc.ts";
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
    const wanted = ctx.equals("pid").filter((p) => /^[0-9]+$/.test(p));
    const pids = ctx.equals("pid").length > 0 ? wanted.map(Number) : listPids();
    const rows: Row[] = [];
    for (const pid of pids) {
      for (const [fd, path] of readDescriptors(pid)) {
        if (isFileDescriptor(path)) rows.push({ pid, fd: Number(fd), path });
      }
    }
    return rows;
  },
});
