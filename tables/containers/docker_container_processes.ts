// docker_container_processes: the processes of each container the query
// names (id is required), from the daemon's `top` with osquery's ps columns.
import { dockerApi, dockerSocketPath, isIdPrefix, list } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_container_processes",
  columns: {
    id: "TEXT required index collate=nocase",
    pid: "BIGINT index",
    name: "TEXT",
    cmdline: "TEXT",
    state: "TEXT",
    uid: "BIGINT",
    gid: "BIGINT",
    euid: "BIGINT",
    egid: "BIGINT",
    suid: "BIGINT",
    sgid: "BIGINT",
    wired_size: "BIGINT",
    resident_size: "BIGINT",
    total_size: "BIGINT",
    start_time: "BIGINT",
    parent: "BIGINT",
    pgroup: "BIGINT",
    threads: "INTEGER",
    nice: "INTEGER",
    user: "TEXT",
    time: "TEXT",
    cpu: "DOUBLE",
    mem: "DOUBLE",
  },
  generate: (ctx) => dockerContainerProcessesRows(ctx),
});

/** The ps fields osquery asks `top` for on Linux, in this order (21 of them). */
export const PS_FIELDS = "pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,nice,user,time,pcpu,pmem,comm,cmd";

/** One `top` process line (21 strings) as a row; other shapes are skipped. */
export function processRow(id: string, f: readonly string[]): Row | null {
  if (f.length !== 21) return null;
  return {
    id,
    pid: f[0],
    // wired_size stays NULL: osquery's Linux reader never sets it.
    state: f[1],
    uid: f[2],
    gid: f[3],
    euid: f[4],
    egid: f[5],
    suid: f[6],
    sgid: f[7],
    // ps reports KiB; osquery appends "000" (so bytes in units of 1000).
    resident_size: `${f[8]}000`,
    total_size: `${f[9]}000`,
    // etime text ([[dd-]hh:]mm:ss) as osquery passes it; only plain seconds read as a number.
    start_time: f[10],
    parent: f[11],
    pgroup: f[12],
    threads: f[13],
    nice: f[14],
    user: f[15],
    time: f[16],
    cpu: f[17],
    mem: f[18],
    name: f[19],
    cmdline: f[20],
  };
}

export async function dockerContainerProcessesRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  // A std::set in osquery: each id once, in byte order.
  const ids = [...new Set(ctx.equals("id"))].sort().filter(isIdPrefix);
  const perId = await mapLimit(ids, 4, async (id) => {
    const top = await dockerApi(`/containers/${id}/top?ps_args=axwwo%20${PS_FIELDS}`, socket);
    return list(top, "Processes")
      .map((p) => processRow(id, list(p).map((v) => (typeof v === "string" ? v : String(v)))))
      .filter((r): r is Row => r !== null);
  });
  return perId.flat();
}
