// processes: one row per /proc/<pid>, read the way osquery's Linux
// implementation reads it. Only the /proc files behind the columns the query
// uses are opened, and `pid = ...` reads only those pids: this table is joined
// by most process queries, so it has to stay cheap.
//
// Units follow osquery: user_time/system_time in milliseconds (clock ticks ×
// 1000/CLK_TCK), start_time in Unix seconds (boot time + start ticks / CLK_TCK,
// boot time being /proc/stat's btime as osquery's getBootTime reads it, -1
// when unknown),
// resident_size/total_size in bytes (VmRSS/VmSize kB × 1024), wired_size 0.
import { existsSync, statSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { bootTime as readBootTime, CLK_TCK, PROC, parseStatus, readLink, readProcFile, readText, statDetails, statusName } from "../../src/linux/proc.ts";
import { pidsFromContext } from "../../src/linux/process_list.ts";

// The stat and status parsers live in src/linux/proc.ts (the watchdog reads them too).
export { parseStatus, statDetails, statusName, type StatusInfo } from "../../src/linux/proc.ts";

/** cmdline: NUL-separated argv joined by spaces, outer whitespace trimmed. */
export function joinCmdline(raw: string): string {
  return raw.replace(/\0/g, " ").trim();
}

/** The first cgroup line's path (after the second ':'), e.g. "0::/user.slice" → "/user.slice". */
export function parseCgroupPath(text: string): string {
  const end = text.indexOf("\n") < 0 ? text.length : text.indexOf("\n");
  const first = text.indexOf(":");
  if (first < 0) return "";
  const second = text.indexOf(":", first + 1);
  return second >= 0 && second < end ? text.slice(second + 1, end) : "";
}

/** read_bytes and write_bytes − cancelled_write_bytes from /proc/<pid>/io. */
export function parseIo(text: string): { read: string; written: number } {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const n = Number(kv.get(k) ?? "");
    return Number.isFinite(n) ? n : 0;
  };
  return { read: kv.get("read_bytes") ?? "", written: num("write_bytes") - num("cancelled_write_bytes") };
}

const DELETED = " (deleted)";

/**
 * osquery's on_disk: 1 when the exe path exists, 0 when it does not (the
 * kernel's " (deleted)" suffix is then removed from the path), -1 when the
 * path is unknown. A real file whose name ends in " (deleted)" is told apart
 * by comparing its inode with the one mapped in /proc/<pid>/maps.
 */
export function onDisk(pid: number, exe: string): { path: string; onDisk: number } {
  if (exe === "") return { path: exe, onDisk: -1 };
  if (!exe.endsWith(DELETED)) return { path: exe, onDisk: existsSync(exe) ? 1 : 0 };
  const stripped = exe.slice(0, -DELETED.length);
  if (!existsSync(exe)) return { path: stripped, onDisk: 0 };
  const maps = readProcFile(pid, "maps");
  if (maps === null) return { path: exe, onDisk: -1 };
  let mapped: string | null = null;
  for (const line of maps.split("\n")) {
    const at = line.indexOf(exe);
    if (at < 0) continue;
    const m = /([0-9]+)[ \t]+$/.exec(line.slice(0, at));
    if (m) {
      mapped = m[1] ?? null;
      break;
    }
  }
  if (mapped === null) return { path: exe, onDisk: -1 };
  try {
    return String(statSync(exe).ino) === mapped ? { path: exe, onDisk: 1 } : { path: stripped, onDisk: 0 };
  } catch {
    // The binary vanished or is unreadable: on_disk -1 is osquery's value for "cannot tell".
    return { path: exe, onDisk: -1 };
  }
}

const STAT_COLUMNS = ["state", "parent", "pgroup", "nice", "threads", "user_time", "system_time", "start_time"];
const STATUS_COLUMNS = ["uid", "gid", "euid", "egid", "suid", "sgid", "resident_size", "total_size"];
const MS_PER_TICK = 1000 / CLK_TCK;

export default defineTable({
  name: "processes",
  cacheable: true,
  columns: {
    pid: "BIGINT index optimized",
    name: "TEXT",
    path: "TEXT",
    cmdline: "TEXT",
    state: "TEXT",
    cwd: "TEXT",
    root: "TEXT",
    uid: "BIGINT",
    gid: "BIGINT",
    euid: "BIGINT",
    egid: "BIGINT",
    suid: "BIGINT",
    sgid: "BIGINT",
    on_disk: "INTEGER",
    wired_size: "BIGINT",
    resident_size: "BIGINT",
    total_size: "BIGINT",
    user_time: "BIGINT",
    system_time: "BIGINT",
    disk_bytes_read: "BIGINT",
    disk_bytes_written: "BIGINT",
    start_time: "BIGINT",
    parent: "BIGINT",
    pgroup: "BIGINT",
    threads: "INTEGER",
    nice: "INTEGER",
    cgroup_path: "TEXT",
    elevated_token: "INTEGER platform",
    secure_process: "INTEGER platform",
    protection_type: "TEXT platform",
    virtual_process: "INTEGER platform",
    elapsed_time: "BIGINT platform",
    handle_count: "BIGINT platform",
    percent_processor_time: "BIGINT platform",
    upid: "BIGINT platform",
    uppid: "BIGINT platform",
    cpu_type: "INTEGER platform",
    cpu_subtype: "INTEGER platform",
    translated: "INTEGER platform",
  },
  generate(ctx) {
    const used = (c: string) => ctx.isColumnUsed(c);
    const wantStatus = STATUS_COLUMNS.some(used);
    const wantStat = STAT_COLUMNS.some(used);
    // The name comes from status when status is read anyway, else from stat's
    // comm, else from the comm file: the same text, and the cheapest file the
    // kernel makes.
    const wantComm = used("name") && !wantStatus && !wantStat;
    const wantCmdline = used("cmdline");
    const wantExe = used("path") || used("on_disk");
    const wantCwd = used("cwd");
    const wantRoot = used("root");
    const wantIo = used("disk_bytes_read") || used("disk_bytes_written");
    const wantCgroup = used("cgroup_path");
    const wantWired = used("wired_size");
    const bootTime = wantStat ? readBootTime() : 0;

    const rows: Row[] = [];
    for (const pid of pidsFromContext(ctx)) {
      const row: Row = { pid };
      const base = `${PROC}/${pid}/`;

      if (wantStat) {
        const text = readText(`${base}stat`);
        const stat = text === null ? null : statDetails(text);
        if (text === null) continue; // The process exited.
        if (stat) {
          const d = stat.details;
          row.name = statusName(stat.comm);
          row.state = d[0];
          row.parent = d[1];
          row.pgroup = d[2];
          row.user_time = (Number.parseInt(d[11] ?? "", 10) || 0) * MS_PER_TICK;
          row.system_time = (Number.parseInt(d[12] ?? "", 10) || 0) * MS_PER_TICK;
          row.nice = d[16];
          row.threads = d[17];
          const ticks = Number(d[19]);
          row.start_time = Number.isInteger(ticks) && bootTime > 0 ? bootTime + Math.floor(ticks / CLK_TCK) : -1;
        } else {
          row.user_time = 0;
          row.system_time = 0;
          row.start_time = -1;
        }
      }
      if (wantComm) {
        const comm = readText(`${base}comm`);
        if (comm === null) continue; // The process exited.
        row.name = statusName(comm.endsWith("\n") ? comm.slice(0, -1) : comm);
      }
      if (wantStatus) {
        const text = readText(`${base}status`);
        if (text === null) continue;
        const s = parseStatus(text);
        if (s.name !== undefined) row.name = s.name;
        row.uid = s.uid;
        row.euid = s.euid;
        row.suid = s.suid;
        row.gid = s.gid;
        row.egid = s.egid;
        row.sgid = s.sgid;
        row.resident_size = s.residentSize;
        row.total_size = s.totalSize;
      }
      if (wantCmdline) {
        const raw = readText(`${base}cmdline`);
        if (raw === null && !wantStat && !wantStatus && !wantComm) continue;
        row.cmdline = raw === null ? "" : joinCmdline(raw);
      }
      if (wantExe) {
        const r = onDisk(pid, readLink(`${base}exe`) ?? "");
        row.path = r.path;
        row.on_disk = r.onDisk;
      }
      if (wantCwd) row.cwd = readLink(`${base}cwd`) ?? "";
      if (wantRoot) row.root = readLink(`${base}root`) ?? "";
      if (wantWired) row.wired_size = 0;
      if (wantIo) {
        // /proc/<pid>/io needs privileges over the process; the columns stay NULL without them.
        const io = readText(`${base}io`);
        if (io !== null) {
          const r = parseIo(io);
          row.disk_bytes_read = r.read;
          row.disk_bytes_written = r.written;
        }
      }
      if (wantCgroup) {
        const cg = readText(`${base}cgroup`);
        row.cgroup_path = cg === null ? "" : parseCgroupPath(cg);
      }
      rows.push(row);
    }
    return rows;
  },
});
