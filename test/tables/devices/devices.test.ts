// device_partitions, device_file and device_hash through Debian's libtsk19, on
// a GPT disk image the test builds: sfdisk partitions it, `mkfs.ext4 -d`
// fills a file system from a source directory, dd puts it in the partition.
// Checked against `sfdisk --json`, `stat` of the source files and `sha256sum`.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-devices-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = join(dir, "src");
const FILES = ["/a.txt", "/empty", "/sub/blob.bin", "/sub/deeper/setuid"];
mkdirSync(join(src, "sub/deeper"), { recursive: true });
writeFileSync(join(src, "a.txt"), "hello device\n");
writeFileSync(join(src, "empty"), "");
writeFileSync(join(src, "sub/blob.bin"), Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 251)));
writeFileSync(join(src, "sub/deeper/setuid"), "x");
chmodSync(join(src, "sub/deeper/setuid"), 0o4755);
symlinkSync("a.txt", join(src, "link"));

const disk = join(dir, "disk.img");
const SECTOR = 512;
const START = 2048;
const SECTORS = 8192;

function run(argv: string[], stdin?: string): string {
  const r = Bun.spawnSync(argv, { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function buildDisk(): void {
  if (existsSync(disk)) return;
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libtsk.so.19") && !existsSync("/lib/x86_64-linux-gnu/libtsk.so.19")) {
    throw new Error("libtsk.so.19 is missing: install the Debian package libtsk19");
  }
  const fsImage = join(dir, "fs.img");
  run([tool("mkfs.ext4", "e2fsprogs"), "-q", "-F", "-d", src, fsImage, `${(SECTORS * SECTOR) / 1024}k`]);
  run([tool("truncate", "coreutils"), "-s", "8M", disk]);
  run([tool("sfdisk", "fdisk"), "-q", disk], `label: gpt\nstart=${START}, size=${SECTORS}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="osqdata"\n`);
  run([tool("dd", "coreutils"), `if=${fsImage}`, `of=${disk}`, `bs=${SECTOR}`, `seek=${START}`, "conv=notrunc", "status=none"]);
}

interface SfdiskTable {
  partitiontable: { label: string; sectorsize: number; partitions: { start: number; size: number; name?: string }[] };
}

/** The address device_partitions gives the ext4 partition. */
function ext4Partition(): string {
  const rows = query(`SELECT partition FROM device_partitions WHERE device = '${disk}' AND type = 'ext4'`);
  if (rows.length !== 1) throw new Error(`expected one ext4 partition, got ${JSON.stringify(rows)}`);
  return rows[0]!.partition!;
}

describe("device_partitions", () => {
  test("the partition sfdisk made, with its file system's geometry, among libtsk's volume entries", () => {
    buildDisk();
    const table = (JSON.parse(run([tool("sfdisk", "fdisk"), "--json", disk])) as SfdiskTable).partitiontable;
    expect(table.label).toBe("gpt");
    const rows = query(`SELECT * FROM device_partitions WHERE device = '${disk}'`);
    const normal = rows.filter((r) => r.type !== "meta" && r.type !== "unallocated");
    expect(normal).toHaveLength(table.partitions.length);
    const [p] = table.partitions;
    const dumpe2fs = run([tool("dumpe2fs", "e2fsprogs"), "-h", join(dir, "fs.img")]);
    const field = (name: string) => /^(.+?):\s+(.*)$/m.exec(dumpe2fs.split("\n").find((l) => l.startsWith(`${name}:`)) ?? "")?.[2];
    expect(normal[0]).toMatchObject({
      device: disk,
      label: p!.name,
      type: "ext4",
      offset: String(p!.start * table.sectorsize),
      blocks_size: field("Block size"),
      blocks: field("Block count"),
      // libtsk counts one inode more than the superblock: its virtual $OrphanFiles directory.
      inodes: String(Number(field("Inode count")) + 1),
    });
    // The GPT's own structures and the gaps are listed too, in disk order.
    expect(rows.map((r) => r.type)).toContain("meta");
    expect(rows.map((r) => Number(r.partition))).toEqual(rows.map((_, i) => i));
    const gpt = rows.find((r) => r.label === "GPT Header");
    expect(gpt).toMatchObject({ type: "meta", offset: String(table.sectorsize), blocks: "1", inodes: "-1" });
  });

  test("a bare file system without a partition table gives no rows, as libtsk finds no volume system", () => {
    buildDisk();
    expect(query(`SELECT * FROM device_partitions WHERE device = '${join(dir, "fs.img")}'`)).toEqual([]);
  });

  test("a path that is not a disk image gives no rows", () => {
    expect(query(`SELECT * FROM device_partitions WHERE device = '${join(dir, "nothing")}'`)).toEqual([]);
  });
});

function statOf(path: string): { size: string; mode: string; uid: string; gid: string; mtime: string; links: string } {
  const [size, mode, uid, gid, mtime, links] = run([tool("stat", "coreutils"), "-c", "%s %a %u %g %Y %h", path]).trim().split(" ");
  return { size: size!, mode: String(Number.parseInt(mode!, 8)), uid: uid!, gid: gid!, mtime: mtime!, links: links! };
}

describe("device_file", () => {
  test("a walk lists every regular file with the sizes, modes, owners and mtimes stat gives the source", () => {
    buildDisk();
    const part = ext4Partition();
    const rows = query(`SELECT * FROM device_file WHERE device = '${disk}' AND partition = '${part}'`);
    expect(rows.map((r) => r.path).sort()).toEqual(FILES);
    for (const r of rows) {
      const s = statOf(join(src, r.path!));
      expect({ size: r.size, mode: r.mode, uid: r.uid, gid: r.gid, mtime: r.mtime, links: r.hard_links }).toEqual(s);
      expect(r).toMatchObject({ device: disk, partition: part, type: "regular", block_size: "1024", filename: r.path!.split("/").pop() });
    }
  });

  test("by path (a symlink too) and by inode", () => {
    buildDisk();
    const part = ext4Partition();
    const byPath = query(`SELECT path, type, size, inode FROM device_file WHERE device = '${disk}' AND partition = '${part}' AND path IN ('/link', '/sub/blob.bin')`);
    expect(byPath.map(({ path, type, size }) => ({ path, type, size }))).toEqual([
      { path: "/link", type: "symlink", size: "5" },
      { path: "/sub/blob.bin", type: "regular", size: "20000" },
    ]);
    const inode = byPath[1]!.inode!;
    expect(query(`SELECT inode, size, type FROM device_file WHERE device = '${disk}' AND partition = '${part}' AND inode = ${inode}`)).toEqual([{ inode, size: "20000", type: "regular" }]);
  });

  test("without exactly one partition: no rows", () => {
    buildDisk();
    expect(query(`SELECT * FROM device_file WHERE device = '${disk}' AND partition IN ('1', '4')`)).toEqual([]);
  });
});

describe("device_hash", () => {
  test("sha256 of each file's inode equals sha256sum of the source bytes; an empty file has empty hashes", () => {
    buildDisk();
    const part = ext4Partition();
    const rows = query(
      `SELECT f.path, h.md5, h.sha1, h.sha256 FROM device_file f JOIN device_hash h ON h.device = f.device AND h.partition = f.partition AND h.inode = f.inode WHERE f.device = '${disk}' AND f.partition = '${part}'`,
    );
    expect(rows.map((r) => r.path).sort()).toEqual(FILES);
    for (const r of rows) {
      const file = join(src, r.path!);
      if (r.path === "/empty") {
        expect({ md5: r.md5, sha1: r.sha1, sha256: r.sha256 }).toEqual({ md5: "", sha1: "", sha256: "" });
        continue;
      }
      expect(r.sha256).toBe(run([tool("sha256sum", "coreutils"), file]).split(" ")[0]!);
      expect(r.sha1).toBe(run([tool("sha1sum", "coreutils"), file]).split(" ")[0]!);
      expect(r.md5).toBe(run([tool("md5sum", "coreutils"), file]).split(" ")[0]!);
    }
  });
});
