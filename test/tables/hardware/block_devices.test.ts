import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { readBlockDevices } from "../../../tables/hardware/block_devices.ts";
import { probePath } from "../../../src/linux/blkid.ts";
import { generate, query } from "../../helpers.ts";
import { tool } from "../../tools.ts";

const work = mkdtempSync(join(tmpdir(), "osq-blk-"));
const attached: string[] = [];
afterAll(() => {
  for (const dev of attached) Bun.spawnSync(["losetup", "-d", dev]);
  rmSync(work, { recursive: true, force: true });
});

function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}


/** blkid's low-level probe of a file or device, as KEY=VALUE pairs. */
function blkid(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const r = Bun.spawnSync(["blkid", "-p", "-o", "export", path]);
  for (const line of r.stdout.toString().split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).replace(/\\(.)/g, "$1");
  }
  return out;
}

/** lsblk's view: KNAME → fields (bytes for SIZE). */
function lsblk(extra: string[] = []): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const line of run(["lsblk", "-b", "-P", "-o", "KNAME,PKNAME,SIZE,LOG-SEC,TYPE", ...extra]).split("\n")) {
    const rec: Record<string, string> = {};
    for (const m of line.matchAll(/([A-Z-]+)="([^"]*)"/g)) rec[m[1]!] = m[2]!;
    if (rec.KNAME) out.set(rec.KNAME, rec);
  }
  return out;
}

describe("block_devices", () => {
  test("every /sys/class/block device, with sizes, block sizes and parents as lsblk reports them", async () => {
    const rows = await generate(table);
    const byName = new Map(rows.map((r) => [String(r.name), r]));
    const sysNames = run(["sh", "-c", "for d in /sys/class/block/*; do sed -n 's/^DEVNAME=//p' $d/uevent; done"]).split("\n").filter(Boolean);
    expect([...byName.keys()].sort()).toEqual(sysNames.map((n) => `/dev/${n}`).sort());
    tool("lsblk", "util-linux");
    for (const [kname, l] of lsblk()) {
      const r = byName.get(`/dev/${kname}`);
      expect(r).toBeDefined();
      expect(Number(r!.size) * 512).toBe(Number(l.SIZE));
      if (l.TYPE === "disk") expect(Number(r!.block_size)).toBe(Number(l["LOG-SEC"]));
      expect(r!.parent ?? "").toBe(l.PKNAME ? `/dev/${l.PKNAME}` : "");
    }
  });

  test("probes ext2/ext3/ext4 and swap images like blkid -p", () => {
    tool("mkfs.ext4", "e2fsprogs");
    const cases: [string, string[]][] = [
      ["ext2", ["mkfs.ext2", "-q", "-F", "-L", "boot"]],
      ["ext3", ["mkfs.ext3", "-q", "-F"]],
      ["ext4", ["mkfs.ext4", "-q", "-F", "-L", "my data"]],
      ["swap", ["mkswap", "-L", "swp"]],
    ];
    for (const [kind, cmd] of cases) {
      const img = join(work, `${kind}.img`);
      writeFileSync(img, "");
      run(["truncate", "-s", "16M", img]);
      Bun.spawnSync([...cmd, img], { stderr: "ignore", stdout: "ignore" });
      const ref = blkid(img);
      expect(ref.TYPE).toBe(kind);
      expect(probePath(img)).toEqual({ type: ref.TYPE!, uuid: ref.UUID, ...(ref.LABEL ? { label: ref.LABEL } : {}) });
    }
  });

  test("probes a LUKS1 header like blkid -p; an empty file is unknown", () => {
    const hdr = new Uint8Array(4096);
    hdr.set(Buffer.from("LUKS\xba\xbe", "latin1"), 0);
    hdr.set([0, 1], 6);
    hdr.set(Buffer.from("aes"), 8);
    hdr.set(Buffer.from("xts-plain64"), 40);
    hdr.set(Buffer.from("sha256"), 72);
    new DataView(hdr.buffer).setUint32(104, 4096); // payload offset (BE)
    new DataView(hdr.buffer).setUint32(108, 64);
    hdr.set(Buffer.from("0b9ff9a0-8f2e-4a1d-9c1e-2b9d6c7e8f10"), 168);
    const img = join(work, "luks.img");
    writeFileSync(img, hdr);
    const ref = blkid(img);
    expect(ref.TYPE).toBe("crypto_LUKS");
    expect(probePath(img)).toEqual({ type: "crypto_LUKS", uuid: ref.UUID });
    const empty = join(work, "empty.img");
    writeFileSync(empty, new Uint8Array(1 << 16));
    expect(probePath(empty)).toBeNull();
  });

  test("partitions from a sysfs fixture: parent disk, no block size, udev model/filesystem fallback", () => {
    // /sys/class/block/<name> links into a devices tree; a partition is a
    // subdirectory of its disk, and both point their subsystem at "block".
    const root = join(work, "sysfix");
    const cls = join(root, "class/block");
    const disk = join(root, "devices/pci0/host0/block/sdz");
    const part = join(disk, "sdz1");
    const bus = join(root, "class/bus/block");
    mkdirSync(cls, { recursive: true });
    mkdirSync(join(disk, "queue"), { recursive: true });
    mkdirSync(join(disk, "device"), { recursive: true });
    mkdirSync(part, { recursive: true });
    mkdirSync(bus, { recursive: true });
    writeFileSync(join(disk, "uevent"), "MAJOR=65\nMINOR=144\nDEVNAME=sdz\nDEVTYPE=disk\n");
    writeFileSync(join(disk, "size"), "1000\n");
    writeFileSync(join(disk, "queue/logical_block_size"), "4096\n");
    writeFileSync(join(disk, "device/vendor"), "ATA     \n");
    writeFileSync(join(disk, "device/model"), "Fake Disk 1000  \n");
    writeFileSync(join(disk, "device/wwid"), "t10.ATA Fake\n");
    writeFileSync(join(part, "uevent"), "MAJOR=65\nMINOR=145\nDEVNAME=sdz1\nDEVTYPE=partition\nPARTN=1\n");
    writeFileSync(join(part, "size"), "900\n");
    writeFileSync(join(part, "partition"), "1\n");
    symlinkSync(bus, join(disk, "subsystem"));
    symlinkSync(bus, join(part, "subsystem"));
    symlinkSync(disk, join(cls, "sdz"));
    symlinkSync(part, join(cls, "sdz1"));
    const udev = join(root, "udev");
    mkdirSync(udev);
    writeFileSync(join(udev, "b65:145"), "E:ID_MODEL=Fake_Disk_1000\nE:ID_FS_TYPE=xfs\nE:ID_FS_UUID=1234-abcd\nE:ID_FS_LABEL=data\n");
    const rows = readBlockDevices({ sysClassBlock: cls, devDir: join(root, "dev"), udevDir: udev });
    expect(rows).toEqual([
      { name: "/dev/sdz", size: "1000", block_size: "4096", serial: "t10.ATA Fake", model: "Fake_Disk_1000", vendor: "ATA     " },
      { name: "/dev/sdz1", parent: "/dev/sdz", size: "900", model: "Fake_Disk_1000", type: "xfs", uuid: "1234-abcd", label: "data" },
    ]);
    expect(readBlockDevices({ sysClassBlock: cls, devDir: join(root, "dev"), udevDir: udev, names: ["/dev/sdz1"] }).length).toBe(1);
  });

  test("a loop device holding ext4: filesystem and size (vs blkid and sysfs), and by name through the binary", () => {
    tool("losetup", "mount");
    tool("mkfs.ext4", "e2fsprogs");
    if (process.getuid?.() !== 0 || !existsSync("/dev/loop-control")) throw new Error("needs root and /dev/loop-control to attach a loop device");
    const img = join(work, "loop.img");
    writeFileSync(img, "");
    run(["truncate", "-s", "24M", img]);
    run(["mkfs.ext4", "-q", "-F", "-L", "loop data", img]);
    const dev = run(["losetup", "-f", "--show", img]).trim();
    attached.push(dev);
    const ref = blkid(dev);
    const sysSize = readFileSync(`/sys/class/block/${dev.slice(5)}/size`, "utf8").trim();
    const rows = readBlockDevices({ names: [dev] });
    expect(rows).toEqual([{ name: dev, size: sysSize, block_size: readFileSync(`/sys/class/block/${dev.slice(5)}/queue/logical_block_size`, "utf8").trim(), type: ref.TYPE, uuid: ref.UUID, label: "loop data" }]);
    expect(Number(sysSize) * 512).toBe(24 << 20);
    const e2e = query(`SELECT name, parent, type, uuid, label FROM block_devices WHERE name = '${dev}'`);
    expect(e2e).toEqual([{ name: dev, parent: "", type: "ext4", uuid: ref.UUID!, label: "loop data" }]);
  });

  test("e2e: all devices through the binary, with the sizes lsblk reports", () => {
    tool("lsblk", "util-linux");
    const rows = query("SELECT name, size FROM block_devices");
    const sysNames = run(["sh", "-c", "for d in /sys/class/block/*; do sed -n 's/^DEVNAME=//p' $d/uevent; done"]).split("\n").filter(Boolean);
    expect(rows.map((r) => r.name).sort()).toEqual(sysNames.map((n) => `/dev/${n}`).sort());
    const sizes = new Map([...lsblk()].map(([kname, l]) => [`/dev/${kname}`, Number(l.SIZE)]));
    for (const r of rows) if (sizes.has(r.name!)) expect([r.name, Number(r.size) * 512]).toEqual([r.name, sizes.get(r.name!)]);
  });
});

