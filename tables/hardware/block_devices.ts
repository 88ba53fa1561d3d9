// block_devices: every block device and partition the kernel knows, walked
// from sysfs as osquery does (osquery/utils/linux/block_device/block_device_enumeration.cpp):
//
// - sysfs is where /proc/mounts mounts it (/sys when absent); each symlink in
//   its class/block names one device, "/dev/" + the basename of its canonical
//   path, when that path holds a uevent file;
// - the parent is the directory above (a partition's disk; "nvme0" for an NVMe
//   namespace, as osquery gives it), or, for a device directly under a "block"
//   directory, the first entry of its slaves/ (dm and md devices);
// - model, serial (device/wwid, else device/serial), vendor (device/vendor,
//   else device/device/vendor), size and block size are sysfs attributes with
//   newlines, tabs and spaces trimmed; a device with a known parent takes the
//   parent's model, serial and vendor instead of its own;
// - type, UUID and label are probed from the /dev node (root only).
// Text columns osquery leaves unset are "" (not NULL); rows come in name order.
import { realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { probePath } from "../../src/linux/blkid.ts";
import { isSymlink, listDir, pathExists, readText } from "../../src/linux/fs.ts";
import { verbose } from "../../src/logger/glog.ts";

export default defineTable({
  name: "block_devices",
  columns: {
    name: "TEXT index",
    parent: "TEXT",
    vendor: "TEXT",
    model: "TEXT",
    serial: "TEXT",
    size: "BIGINT",
    block_size: "INTEGER",
    uuid: "TEXT collate=nocase",
    type: "TEXT",
    label: "TEXT",
  },
  generate(ctx: QueryContext) {
    if (process.getuid?.() !== 0) verbose("block_devices.cpp", "Not running as root, LVM and other column data not available");
    return enumerateBlockDevices({ names: ctx.equals("name") }).map(blockDeviceRow);
  },
});

export interface BlockDevice {
  /** "/dev/sda1". */
  readonly name: string;
  /** "/dev/sda", or "" for a root device. */
  readonly parent: string;
  model: string;
  serial: string;
  vendor: string;
  /** 512-byte sectors, as sysfs gives it; "" when unknown. */
  size: string;
  block_size: string;
  uuid: string;
  type: string;
  label: string;
  /** The canonical sysfs directory. */
  readonly path: string;
  /** Whether the metadata has been read. */
  loaded: boolean;
}

export interface BlockDeviceOptions {
  /** Only these device names (e.g. "/dev/sda1"); all when empty. */
  readonly names?: readonly string[];
  /** Also return the parents of the named devices (disk_encryption needs them). */
  readonly includeParents?: boolean;
  /** Where sysfs is mounted; read from /proc/mounts when not given. */
  readonly sysfs?: string;
  /** Directory of the device nodes probed for a filesystem (default /dev). */
  readonly devDir?: string;
}

/** The first sysfs mount in /proc/mounts, else /sys. */
export function sysfsMountpoint(mounts: string | null = readText("/proc/mounts")): string {
  for (const line of (mounts ?? "").split("\n")) {
    const [, mount, fs] = line.trim().split(/\s+/);
    if (fs === "sysfs" && mount) return mount;
  }
  return "/sys";
}

/** Only the directory above, or the first slave of a device at the top of a "block" directory. */
function parentOf(path: string, name: string): string {
  let parent = basename(dirname(path));
  if (parent === "block") {
    parent = "";
    for (const slave of listDir(join(path, "slaves"))) {
      if (parent !== "") {
        verbose("block_device_enumeration.cpp", `Too many parent devices in slave directory for: ${name}`);
        break;
      }
      parent = slave;
    }
  }
  return parent === "" ? "" : `/dev/${parent}`;
}

/** sysfs text with newlines, tabs and spaces trimmed from both ends; null when unreadable or empty. */
function attribute(path: string): string | null {
  const text = readText(path, "latin1");
  if (text === null || text === "") return null;
  return text.replace(/^[\n\t ]+|[\n\t ]+$/g, "");
}

function loadMetadata(dev: BlockDevice, all: ReadonlyMap<string, BlockDevice>, devDir: string, seen: Set<string>): void {
  if (dev.loaded || seen.has(dev.name)) return;
  seen.add(dev.name);
  const parent = dev.parent === "" ? undefined : all.get(dev.parent);
  // The parent first: its model, serial and vendor pass down.
  if (parent) loadMetadata(parent, all, devDir, seen);
  const read = (name: string) => attribute(join(dev.path, name));
  const model = read("device/model");
  if (model !== null) dev.model = model;
  for (const name of ["device/wwid", "device/serial"]) {
    const v = dev.serial === "" ? read(name) : null;
    if (v !== null) dev.serial = v;
  }
  for (const name of ["device/vendor", "device/device/vendor"]) {
    const v = dev.vendor === "" ? read(name) : null;
    if (v !== null) dev.vendor = v;
  }
  dev.size = read("size") ?? dev.size;
  dev.block_size = read("queue/logical_block_size") ?? dev.block_size;
  if (parent) {
    dev.model = parent.model;
    dev.serial = parent.serial;
    dev.vendor = parent.vendor;
  }
  const probed = probePath(join(devDir, dev.name.slice("/dev/".length)));
  if (probed) {
    dev.type = probed.type;
    dev.uuid = probed.uuid ?? "";
    dev.label = probed.label ?? "";
  }
  dev.loaded = true;
}

function byteOrder(a: BlockDevice, b: BlockDevice): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function enumerateBlockDevices(opts: BlockDeviceOptions = {}): BlockDevice[] {
  const classDir = join(opts.sysfs ?? sysfsMountpoint(), "class/block");
  const devDir = opts.devDir ?? "/dev";
  const all = new Map<string, BlockDevice>();
  for (const entry of listDir(classDir)) {
    const link = join(classDir, entry);
    if (!isSymlink(link)) {
      verbose("block_device_enumeration.cpp", `No sysfs symlink for block device: ${entry}`);
      continue;
    }
    let path: string;
    try {
      path = realpathSync(link);
    } catch (e) {
      // Vanished since class/block was listed, or a dangling link.
      verbose("block_device_enumeration.cpp", `Cannot resolve ${link}: ${(e as Error).message}`);
      continue;
    }
    const name = `/dev/${basename(path)}`;
    if (!pathExists(join(path, "uevent"))) {
      verbose("block_device_enumeration.cpp", `Invalid block device. No uevent file found for block device: ${name}`);
      continue;
    }
    all.set(name, { name, parent: parentOf(path, name), path, model: "", serial: "", vendor: "", size: "", block_size: "", uuid: "", type: "", label: "", loaded: false });
  }
  const wanted = new Set(opts.names ?? []);
  const out = new Map<string, BlockDevice>();
  for (const dev of all.values()) {
    if (wanted.size > 0 && !wanted.has(dev.name)) continue;
    loadMetadata(dev, all, devDir, new Set());
    out.set(dev.name, dev);
    if (opts.includeParents) {
      for (let p = all.get(dev.parent); p && !out.has(p.name); p = all.get(p.parent)) out.set(p.name, p);
    }
  }
  return [...out.values()].sort(byteOrder);
}

/** The table row: every text column set, sizes NULL when sysfs has none. */
export function blockDeviceRow(d: BlockDevice): Row {
  const row: Row = { name: d.name, parent: d.parent, vendor: d.vendor, model: d.model, serial: d.serial, uuid: d.uuid, type: d.type, label: d.label };
  if (d.size !== "") row.size = d.size;
  if (d.block_size !== "") row.block_size = d.block_size;
  return row;
}
