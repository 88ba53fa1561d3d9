// mounts: /proc/mounts parsed here by other means, statfs figures against stat -f.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mounts, { parseMounts } from "../../../tables/system/mounts.ts";
import { generate, query } from "../../helpers.ts";

function procMounts(): string[][] {
  return readFileSync("/proc/mounts", "utf8").trim().split("\n").map((l) =>
    l.split(" ").slice(0, 4).map((f) => f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))),
  );
}

describe("mounts", () => {
  test("live: one row per /proc/mounts line, same device/path/type/flags", async () => {
    const rows = await generate(mounts);
    expect(rows.map((r) => [r.device, r.path, r.type, r.flags])).toEqual(procMounts());
  });

  test("statfs figures of / match stat -f", async () => {
    const rows = await generate(mounts);
    const root = rows.filter((r) => r.path === "/").at(-1)!;
    const [bsize, blocks, total] = Bun.spawnSync(["stat", "-f", "-c", "%S %b %c", "/"]).stdout.toString().trim().split(" ");
    expect(String(root.blocks_size)).toBe(bsize!);
    expect(String(root.blocks)).toBe(blocks!);
    expect(String(root.inodes)).toBe(total!);
  });

  test("fixture: getmntent escapes and comments", () => {
    expect(parseMounts("# x\n/dev/sda1 /mnt/with\\040space ext4 rw 0 0\n")).toEqual([
      { device: "/dev/sda1", path: "/mnt/with space", type: "ext4", flags: "rw" },
    ]);
  });

  test("fixture: every escape decodes as glibc's getmntent decodes it", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-mounts-"));
    try {
      const file = join(dir, "mounts");
      writeFileSync(file, "  /dev/a\\134b /m\\011t\\\\x\\012y  ext4\trw,x=\\040 0 0\n\n# c\nnone /n tmpfs\n");
      // glibc itself, through ctypes, is the independent reader
      const py = `import ctypes,json,sys
libc=ctypes.CDLL("libc.so.6")
class M(ctypes.Structure):
  _fields_=[("fsname",ctypes.c_char_p),("dir",ctypes.c_char_p),("type",ctypes.c_char_p),("opts",ctypes.c_char_p),("freq",ctypes.c_int),("passno",ctypes.c_int)]
libc.setmntent.restype=ctypes.c_void_p
libc.getmntent.restype=ctypes.POINTER(M)
libc.getmntent.argtypes=[ctypes.c_void_p]
f=libc.setmntent(sys.argv[1].encode(),b"r")
out=[]
while True:
  m=libc.getmntent(f)
  if not m: break
  e=m.contents
  out.append({"device":e.fsname.decode(),"path":e.dir.decode(),"type":e.type.decode(),"flags":e.opts.decode()})
print(json.dumps(out))`;
      const r = Bun.spawnSync(["python3", "-c", py, file]);
      expect(r.exitCode, `python3 with ctypes is needed to read the fixture through glibc: ${r.stderr.toString()}`).toBe(0);
      const glibc = JSON.parse(r.stdout.toString());
      expect(glibc[0].path).toBe("/m\tt\\x\ny");
      expect(parseMounts(readFileSync(file, "utf8"))).toEqual(glibc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("end to end", () => {
    expect(query("SELECT path FROM mounts").map((r) => r.path)).toEqual(procMounts().map((m) => m[1]!));
  });
});
