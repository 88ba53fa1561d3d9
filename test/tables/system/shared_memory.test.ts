// shared_memory: a segment made with ipcmk(1) shows up as ipcs(1) describes it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sharedMemory, { parseSysvShm } from "../../../tables/system/shared_memory.ts";
import { generate, OSQ, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

let shmid = "";
let privateId = "";
let publicId = "";
let ipcmkError = "";

/** A new SysV segment with `mode`, or "" with the reason kept for segment(). */
function ipcmk(mode: string): string {
  const r = Bun.spawnSync([tool("ipcmk", "util-linux"), "-M", "8192", "-p", mode], { stderr: "pipe" });
  const id = /(\d+)\s*$/.exec(r.stdout.toString().trim())?.[1] ?? "";
  if (!id) ipcmkError = r.stderr.toString().trim() || "no segment id printed";
  return id;
}

beforeAll(() => {
  shmid = ipcmk("0640");
  privateId = ipcmk("0600");
  publicId = ipcmk("0644");
});

/** The segment the tests read; its absence (no SysV IPC in this kernel) fails them. */
function segment(): string {
  if (!shmid) throw new Error(`ipcmk -M could not make a SysV shared memory segment: ${ipcmkError}`);
  return shmid;
}
afterAll(() => {
  for (const id of [shmid, privateId, publicId]) if (id) Bun.spawnSync(["ipcrm", "-m", id]);
});

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** Whether the kernel's shmctl(IPC_STAT) lets uid 65534 read the segment: the check SHM_STAT makes. */
function kernelLetsNobodyRead(id: string): boolean {
  const py = "import ctypes,sys\nlibc=ctypes.CDLL('libc.so.6',use_errno=True)\nbuf=ctypes.create_string_buffer(256)\nsys.exit(0 if libc.shmctl(int(sys.argv[1]),2,buf)==0 else 3)";
  // /usr/bin/python3: a per-user python shim may be unreadable to uid 65534
  const r = Bun.spawnSync([...NOBODY, "/usr/bin/python3", "-c", py, id]);
  expect([0, 3], `setpriv and python3 are needed to ask the kernel as uid 65534: ${r.stderr.toString()}`).toContain(r.exitCode);
  return r.exitCode === 0;
}

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

  test("an unprivileged caller sees only the segments the kernel lets it read (vs shmctl as that user)", () => {
    expect(privateId !== "" && publicId !== "", "ipcmk could not make the SysV segments").toBe(true);
    expect(kernelLetsNobodyRead(privateId)).toBe(false);
    expect(kernelLetsNobodyRead(publicId)).toBe(true);
    const r = Bun.spawnSync([...NOBODY, OSQ, "--json", `SELECT shmid FROM shared_memory WHERE shmid IN (${privateId}, ${publicId})`]);
    expect(r.exitCode, r.stderr.toString()).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual([{ shmid: publicId }]);
  });

  test("fixture: the ipcperms read check, owner then group then other", () => {
    const head = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
    const seg = (id: number, perms: string, uid: number, gid: number) => `         0 ${id} ${perms} 4096 1 1 0 ${uid} ${gid} ${uid} ${gid} 0 0 0 0 0\n`;
    const text = head + seg(1, "600", 1000, 1000) + seg(2, "640", 1000, 1000) + seg(3, "604", 1000, 1000) + seg(4, "060", 1000, 50);
    const ids = (caller: { uid: number; gids: number[]; privileged?: boolean }) =>
      parseSysvShm(text, () => true, { uid: caller.uid, gids: new Set(caller.gids), privileged: caller.privileged ?? false }).map((r) => r.shmid);
    expect(ids({ uid: 1000, gids: [1000] })).toEqual(["1", "2", "3"]); // the owner's bits decide, even when group has more
    expect(ids({ uid: 2000, gids: [1000] })).toEqual(["2"]);
    expect(ids({ uid: 2000, gids: [50] })).toEqual(["3", "4"]);
    expect(ids({ uid: 2000, gids: [2000] })).toEqual(["3"]);
    expect(ids({ uid: 2000, gids: [], privileged: true })).toEqual(["1", "2", "3", "4"]);
  });

  test("end to end", () => {
    expect(query(`SELECT size, permissions FROM shared_memory WHERE shmid = ${segment()}`)).toEqual([{ size: "8192", permissions: "0640" }]);
  });
});
