// process_open_pipes: every pipe end a process holds, anonymous (fd link
// "pipe:[inode]") or named (a FIFO on a filesystem), paired with the ends
// other descriptors hold on the same pipe. The mode of an end ("r", "w",
// "rw") is what the kernel shows as the permission bits of /proc/<pid>/fd/<n>.
import { lstatSync, statSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { PROC, listPids } from "../../src/linux/proc.ts";
import { readDescriptors } from "../../src/linux/sockets.ts";

export interface PipeEnd {
  pid: number;
  fd: number;
  mode: string;
  inode: number;
  type: "anonymous" | "named";
}

/** r/w from the permission bits of an fd link (any of user/group/other). */
export function modeFromBits(mode: number): string {
  return (mode & 0o444 ? "r" : "") + (mode & 0o222 ? "w" : "");
}

function fdMode(pid: string, fd: string): string {
  const st = lstatSync(`${PROC}/${pid}/fd/${fd}`, { throwIfNoEntry: false });
  return st ? modeFromBits(st.mode) : "-";
}

/** The pipe behind one descriptor, or null when it is not a pipe. */
function pipeEnd(pid: string, fd: string, link: string): PipeEnd | null {
  if (link.includes("pipe:")) {
    const m = /\d+/.exec(link);
    return { pid: Number(pid), fd: Number(fd), mode: fdMode(pid, fd), inode: m ? Number(m[0]) : 0, type: "anonymous" };
  }
  if (link.includes("socket:") || link.includes("anon_inode:")) return null;
  let st;
  try {
    st = statSync(link, { throwIfNoEntry: false });
  } catch {
    // throwIfNoEntry covers a vanished target; anything else is an fd that is not a pipe we can see.
    return null;
  }
  if (!st || !st.isFIFO()) return null;
  return { pid: Number(pid), fd: Number(fd), mode: fdMode(pid, fd), inode: st.ino, type: "named" };
}

/**
 * osquery's pairing: an end alone on its pipe gives one row with no partner;
 * otherwise one row per other end that forms a reader/writer pair with it
 * (different modes, or this end is "rw"). Ends are walked as osquery does,
 * pids and fds in text order.
 */
export function pairPipes(ends: readonly PipeEnd[]): Row[] {
  const byInode = new Map<number, PipeEnd[]>();
  for (const e of ends) {
    const list = byInode.get(e.inode);
    if (list) list.push(e);
    else byInode.set(e.inode, [e]);
  }
  const rows: Row[] = [];
  for (const e of ends) {
    const partners = byInode.get(e.inode) ?? [];
    const base = { pid: e.pid, fd: e.fd, mode: e.mode, inode: e.inode, type: e.type };
    if (partners.length === 1) {
      rows.push(base);
      continue;
    }
    for (const p of partners) {
      if (p === e) continue;
      if (p.mode === e.mode && e.mode !== "rw") continue;
      rows.push({ ...base, partner_pid: p.pid, partner_fd: p.fd, partner_mode: p.mode });
    }
  }
  return rows;
}

export default defineTable({
  name: "process_open_pipes",
  columns: {
    pid: "BIGINT",
    fd: "BIGINT",
    mode: "TEXT",
    inode: "BIGINT",
    type: "TEXT",
    partner_pid: "BIGINT",
    partner_fd: "BIGINT",
    partner_mode: "TEXT",
  },
  generate() {
    // Partners can be in any process, so every process is read whatever the constraints.
    const ends: PipeEnd[] = [];
    for (const pid of listPids().map(String).sort()) {
      const fds = [...readDescriptors(pid)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [fd, link] of fds) {
        const end = pipeEnd(pid, fd, link);
        if (end) ends.push(end);
      }
    }
    return pairPipes(ends);
  },
});
