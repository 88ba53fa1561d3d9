// shared_memory: System V shared memory segments. osquery walks them with
// shmctl(SHM_INFO/SHM_STAT); /proc/sysvipc/shm lists the same segments with
// the same fields. owner_uid and creator_uid are set only for uids that have
// an account (osquery checks with getpwuid); permissions are the 4-digit
// octal mode; status is "dest" once the segment is marked for destruction
// (SHM_DEST) and locked is 1 when it is locked in memory (SHM_LOCKED).
// SHM_STAT answers only for segments the caller may read (ipcperms: owner or
// creator bits, else group bits, else other bits; root passes), while
// /proc/sysvipc/shm lists every segment, so the same check is applied here.
import { readPasswd } from "../../src/linux/passwd.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";

const SHM_DEST = 0o1000;
const SHM_LOCKED = 0o2000;

export default defineTable({
  name: "shared_memory",
  columns: {
    shmid: "INTEGER",
    owner_uid: "BIGINT",
    creator_uid: "BIGINT",
    pid: "BIGINT",
    creator_pid: "BIGINT",
    atime: "BIGINT",
    dtime: "BIGINT",
    ctime: "BIGINT",
    permissions: "TEXT",
    size: "BIGINT",
    attached: "INTEGER",
    status: "TEXT",
    locked: "INTEGER",
  },
  generate() {
    const text = readText("/proc/sysvipc/shm");
    if (text === null) return [];
    const uids = new Set(readPasswd().map((u) => u.uid));
    const euid = process.geteuid?.() ?? 0;
    const caller: ShmCaller = { uid: euid, gids: new Set([process.getegid?.() ?? 0, ...(process.getgroups?.() ?? [])]), privileged: euid === 0 };
    return parseSysvShm(text, (uid) => uids.has(uid), caller);
  },
});

/** Who asks: SHM_STAT checks read permission against these. */
export interface ShmCaller {
  readonly uid: number;
  readonly gids: ReadonlySet<number>;
  readonly privileged: boolean;
}

/** The kernel's ipcperms() for a read request. */
function mayRead(mode: number, ids: { uid: number; gid: number; cuid: number; cgid: number }, caller: ShmCaller): boolean {
  if (caller.privileged) return true;
  let granted = mode;
  if (caller.uid === ids.uid || caller.uid === ids.cuid) granted >>= 6;
  else if (caller.gids.has(ids.gid) || caller.gids.has(ids.cgid)) granted >>= 3;
  return (granted & 0o4) !== 0;
}

/** Segments of /proc/sysvipc/shm; with `caller`, only those its SHM_STAT would return. */
export function parseSysvShm(text: string, hasAccount: (uid: number) => boolean, caller?: ShmCaller): Row[] {
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  const header = (lines.shift() ?? "").trim().split(/\s+/);
  const rows: Row[] = [];
  for (const line of lines) {
    const values = line.trim().split(/\s+/);
    const f = (name: string): string => values[header.indexOf(name)] ?? "";
    const mode = Number.parseInt(f("perms"), 8);
    const uid = Number(f("uid"));
    const cuid = Number(f("cuid"));
    if (caller && !mayRead(mode, { uid, gid: Number(f("gid")), cuid, cgid: Number(f("cgid")) }, caller)) continue;
    rows.push({
      shmid: f("shmid"),
      owner_uid: hasAccount(uid) ? uid : undefined,
      creator_uid: hasAccount(cuid) ? cuid : undefined,
      pid: f("lpid"),
      creator_pid: f("cpid"),
      atime: f("atime"),
      dtime: f("dtime"),
      ctime: f("ctime"),
      permissions: (mode & 0o7777).toString(8).padStart(4, "0"),
      size: f("size"),
      attached: f("nattch"),
      status: mode & SHM_DEST ? "dest" : "",
      locked: mode & SHM_LOCKED ? 1 : 0,
    });
  }
  return rows;
}
