// shared_memory: a segment made with ipcmk(1) shows up as ipcs(1) describes it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sharedMemory, { parseSysvShm } from "../../../tables/system/shared_memory.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

let shmid = "";
let ipcmkError = "";

beforeAll(() => {
  const r = Bun.spawnSync([tool("ipcmk", "util-linux"), "-M", "8192", "-p", "0640"], { stderr: "pipe" });
  shmid = /(\d+)\s*$/.exec(r.stdout.toString().trim())?.[1] ?? "";
  if (!shmid) ipcmkError = r.stderr.toString().trim() || "no segment id printed";
});

/** The segment the tests read; its absence (no SysV IPC in this kernel) fails them. */
function segment(): string {
  if (!shmid) throw new Error(`ipcmk -M could not make a SysV shared memory segment: ${ipcmkError}`);
  return shmid;
}
afterAll(() => {
  if (shmid) Bun.spawnSync(["ipcrm", "-m", shmid]);
});

/** ipcs -m -i <id> as key → value (perms, bytes, cpid...). */
function ipcsSegment(id: string): string {
  return Bun.spawnSync(["ipcs", "-m", "-i", id]).stdout.toString();
}

describe("shared_memory", () => {
  test("live: the new segment with ipcs's size, mode and creator", async () => {
    segment();
    const rows = await generate(sharedMemory);
    const row = rows.find((r) => String(r.shmid) === shmid);
    expect(row).toBeDefined();
    const info = ipcsSegment(shmid);
    expect(info).toContain(`mode=0640`);
    expect(info).toContain(`bytes=${row!.size}`);
    expect(row).toMatchObject({ permissions: "0640", size: "8192", attached: "0", status: "", locked: 0 });
    expect(info).toContain(`cpid=${row!.creator_pid}`);
    expect(row!.owner_uid).toBe(process.getuid!());
  });

  test("fixture: dest/locked bits and unknown uids", () => {
    const text = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n" +
      "         0         7  3600                  4096   10   11      1  1000  1000  4242  1000 1700000000 1700000001 1700000002                     0                     0\n";
    expect(parseSysvShm(text, (uid) => uid === 1000)).toEqual([{
      shmid: "7", owner_uid: 1000, creator_uid: undefined, pid: "11", creator_pid: "10", atime: "1700000000", dtime: "1700000001",
      ctime: "1700000002", permissions: "3600", size: "4096", attached: "1", status: "dest", locked: 1,
    }]);
  });

  test("end to end", () => {
    expect(query(`SELECT size, permissions FROM shared_memory WHERE shmid = ${segment()}`)).toEqual([{ size: "8192", permissions: "0640" }]);
  });
});
