import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { blockDeviceRow, enumerateBlockDevices, sysfsMountpoint } from "../../../tables/hardware/block_devices.ts";
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

  test("a sysfs fixture walked as osquery does: parents, trimmed attributes, inherited identity, \"\" for unknown text", () => {
    // <sysfs>/class/block/<name> links into a devices tree; a partition is a
    // subdirectory of its disk; a dm device names what it sits on in slaves/.
    const sysfs = join(work, "sysfix");
    const cls = join(sysfs, "class/block");
    const disk = join(sysfs, "devices/pci0/host0/block/sdz");
    const part = join(disk, "sdz2");
    const dm = join(sysfs, "devices/virtual/block/dm-7");
    const md = join(sysfs, "devices/virtual/block/md9");
    const nvme = join(sysfs, "devices/pci0/nvme/nvme3/nvme3n1");
    for (const d of [join(disk, "queue"), join(disk, "device"), part, join(dm, "slaves"), join(dm, "device"), join(md, "slaves"), join(nvme, "device/device")]) mkdirSync(d, { recursive: true });
    mkdirSync(cls, { recursive: true });
    for (const d of [disk, part, dm, md, nvme]) writeFileSync(join(d, "uevent"), "MAJOR=1\n");
    writeFileSync(join(disk, "size"), "1000\n");
    writeFileSync(join(disk, "queue/logical_block_size"), "4096\n");
    writeFileSync(join(disk, "device/vendor"), "ATA     \n");
    writeFileSync(join(disk, "device/model"), "\tFake Disk 1000  \n");
    writeFileSync(join(disk, "device/wwid"), "\n");
    writeFileSync(join(disk, "device/serial"), "SER-1\n");
    writeFileSync(join(part, "size"), "900\n");
    writeFileSync(join(dm, "size"), "800\n");
    // The child's own attributes give way to its parent's.
    writeFileSync(join(dm, "device/model"), "own model\n");
    symlinkSync(part, join(dm, "slaves/sdz2"));
    writeFileSync(join(md, "size"), "0\n");
    writeFileSync(join(nvme, "size"), "64\n");
    writeFileSync(join(nvme, "device/device/vendor"), "0x144d\n");
    for (const [name, target] of [["sdz", disk], ["sdz2", part], ["dm-7", dm], ["md9", md], ["nvme3n1", nvme]] as const) symlinkSync(target, join(cls, name));
    // Not a symlink, or no uevent: not a block device.
    mkdirSync(join(cls, "plain-dir"));
    mkdirSync(join(sysfs, "devices/virtual/block/ghost"), { recursive: true });
    symlinkSync(join(sysfs, "devices/virtual/block/ghost"), join(cls, "ghost"));
    const identity = { vendor: "ATA", model: "Fake Disk 1000", serial: "SER-1" };
    const none = { uuid: "", type: "", label: "" };
    const rows = enumerateBlockDevices({ sysfs, devDir: join(sysfs, "dev") }).map(blockDeviceRow);
    expect(rows).toEqual([
      { name: "/dev/dm-7", parent: "/dev/sdz2", ...identity, size: "800", ...none },
      { name: "/dev/md9", parent: "", vendor: "", model: "", serial: "", size: "0", ...none },
      { name: "/dev/nvme3n1", parent: "/dev/nvme3", vendor: "0x144d", model: "", serial: "", size: "64", ...none },
      { name: "/dev/sdz", parent: "", ...identity, size: "1000", block_size: "4096", ...none },
      { name: "/dev/sdz2", parent: "/dev/sdz", ...identity, size: "900", ...none },
    ]);
    expect(enumerateBlockDevices({ sysfs, names: ["/dev/dm-7"] }).map((d) => d.name)).toEqual(["/dev/dm-7"]);
    expect(enumerateBlockDevices({ sysfs, names: ["/dev/dm-7"], includeParents: true }).map((d) => d.name)).toEqual(["/dev/dm-7", "/dev/sdz", "/dev/sdz2"]);
  });

  test("sysfs is found through /proc/mounts", () => {
    expect(sysfsMountpoint("proc /proc proc rw 0 0\nsysfs /mnt/sys sysfs rw 0 0\nsysfs /sys sysfs rw 0 0\n")).toBe("/mnt/sys");
    expect(sysfsMountpoint("proc /proc proc rw 0 0\n")).toBe("/sys");
  });

  test("through the binary, text columns are \"\" rather than NULL", () => {
    const rows = query("SELECT count(*) AS n FROM block_devices WHERE parent IS NULL OR vendor IS NULL OR model IS NULL OR serial IS NULL OR uuid IS NULL OR type IS NULL OR label IS NULL");
    expect(rows).toEqual([{ n: "0" }]);
    expect(Number(query("SELECT count(*) AS n FROM block_devices")[0]!.n)).toBeGreaterThan(0);
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
    const rows = enumerateBlockDevices({ names: [dev] }).map(blockDeviceRow);
    expect(rows).toEqual([{ name: dev, parent: "", vendor: "", model: "", serial: "", size: sysSize, block_size: readFileSync(`/sys/class/block/${dev.slice(5)}/queue/logical_block_size`, "utf8").trim(), type: ref.TYPE, uuid: ref.UUID, label: "loop data" }]);
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

