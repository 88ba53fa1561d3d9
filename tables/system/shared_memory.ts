// shared_memory: System V shared memory segments. osquery walks them with
// shmctl(SHM_INFO/SHM_STAT); /proc/sysvipc/shm lists the same segments with
// the same fields. owner_uid and creator_uid are set only for uids that have
// an account (osquery checks with getpwuid); permissions are the 4-digit
// octal mode; status is "dest" once the segment is marked for destruction
// (SHM_DEST) and locked is 1 when it is locked in memory (SHM_LOCKED).
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
    return parseSysvShm(text, (uid) => uids.has(uid));
  },
});

export function parseSysvShm(text: string, hasAccount: (uid: number) => boolean): Row[] {
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  const header = (lines.shift() ?? "").trim().split(/\s+/);
  const rows: Row[] = [];
  for (const line of lines) {
    const values = line.trim().split(/\s+/);
    const f = (name: string): string => values[header.indexOf(name)] ?? "";
    const mode = Number.parseInt(f("perms"), 8);
    const uid = Number(f("uid"));
    const cuid = Number(f("cuid"));
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
