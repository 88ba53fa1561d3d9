// block_devices: every block device and partition the kernel knows
// (/sys/class/block), with the filesystem type, UUID and label on it.
import { existsSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { probePath, type ProbeResult } from "../../src/linux/blkid.ts";
import { listDir, linkName, parseUevent, readAttr, readTextFile, readUdevRecord, UDEV_DATA_DIR, udevSanitize } from "../../src/linux/udev.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

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
    return readBlockDevices({ names: ctx.equals("name") });
  },
});

export interface BlockDeviceOptions {
  /** Only these device names (e.g. "/dev/sda1"); all when empty. */
  readonly names?: readonly string[];
  readonly sysClassBlock?: string;
  readonly devDir?: string;
  readonly udevDir?: string;
}

interface SysBlock {
  /** Canonical sysfs path: /sys/devices/.../block/sda[/sda1]. */
  readonly syspath: string;
  readonly devname: string;
  readonly uevent: Map<string, string>;
}

function sysBlock(classDir: string, entry: string): SysBlock | null {
  let syspath: string;
  try {
    syspath = realpathSync(`${classDir}/${entry}`);
  } catch {
    // Vanished since /sys/class/block was listed: no device to report.
    return null;
  }
  const text = readTextFile(`${syspath}/uevent`);
  if (text === null) return null;
  const uevent = parseUevent(text);
  const devname = uevent.get("DEVNAME");
  return devname ? { syspath, devname, uevent } : null;
}

/**
 * libudev's enumeration order: by sysfs path, with md and dm devices last
 * (they stack on the others). osquery's rows come in this order.
 */
function udevOrder(a: SysBlock, b: SysBlock): number {
  const late = (s: SysBlock) => (/\/block\/(md|dm-)/.test(s.syspath) ? 1 : 0);
  return late(a) - late(b) || (a.syspath < b.syspath ? -1 : a.syspath > b.syspath ? 1 : 0);
}

/** The nearest sysfs ancestor in the block subsystem (a partition's disk). */
function blockParent(dev: SysBlock): string | null {
  const up = dirname(dev.syspath);
  if (linkName(`${up}/subsystem`) !== "block") return null;
  const text = readTextFile(`${up}/uevent`);
  const devname = text === null ? undefined : parseUevent(text).get("DEVNAME");
  return devname ? `/dev/${devname}` : null;
}

interface FsInfo {
  readonly type?: string;
  readonly uuid?: string;
  readonly label?: string;
}

/**
 * The filesystem signature: probed from the device node as osquery's libblkid
 * does; when the node cannot be read, what udev recorded (ID_FS_*), else the
 * /dev/disk/by-uuid and by-label links (which carry no type).
 */
function filesystem(devnode: string, devname: string, udev: ReadonlyMap<string, string> | null, links: () => LinkMaps): FsInfo | null {
  const probed: ProbeResult | null = existsSync(devnode) ? probePath(devnode) : null;
  if (probed) return probed;
  const type = udev?.get("ID_FS_TYPE");
  if (type) return { type, uuid: udev?.get("ID_FS_UUID") || undefined, label: udev?.get("ID_FS_LABEL") || undefined };
  const { uuids, labels } = links();
  const uuid = uuids.get(devname);
  const label = labels.get(devname);
  return uuid === undefined && label === undefined ? null : { uuid, label };
}

interface LinkMaps {
  readonly uuids: Map<string, string>;
  readonly labels: Map<string, string>;
}

/**
 * The model as udev names it: ID_MODEL_FROM_DATABASE or ID_MODEL from its
 * database; without one, the disk's `device/model` attribute cleaned the way
 * udev's scsi/ata helpers clean it (NVMe keeps it as is, like udev's rule).
 */
function model(dev: SysBlock, diskDir: string, udev: ReadonlyMap<string, string> | null): string | undefined {
  if (udev) return udev.get("ID_MODEL_FROM_DATABASE") ?? udev.get("ID_MODEL");
  const attr = readAttr(`${diskDir}/device/model`);
  if (attr === null || attr.trim() === "") return undefined;
  return dev.devname.startsWith("nvme") ? attr.trim() : udevSanitize(attr);
}

export function readBlockDevices(opts: BlockDeviceOptions = {}): Row[] {
  const classDir = opts.sysClassBlock ?? "/sys/class/block";
  const devDir = opts.devDir ?? "/dev";
  const udevDir = opts.udevDir ?? UDEV_DATA_DIR;
  const wanted = new Set(opts.names ?? []);
  const devices = listDir(classDir)
    .map((e) => sysBlock(classDir, e))
    .filter((d): d is SysBlock => d !== null)
    .sort(udevOrder);
  const nodeOf = (d: SysBlock) => `${devDir}/${d.devname}`;
  let linkMaps: LinkMaps | null = null;
  const links = () => (linkMaps ??= { uuids: diskLinks("by-uuid", devDir), labels: diskLinks("by-label", devDir) });

  const rows: Row[] = [];
  for (const dev of devices) {
    const name = `/dev/${dev.devname}`;
    if (wanted.size > 0 && !wanted.has(name)) continue;
    const major = dev.uevent.get("MAJOR");
    const minor = dev.uevent.get("MINOR");
    const udev = major && minor ? readUdevRecord(`b${major}:${minor}`, udevDir)?.properties ?? null : null;
    const isPartition = existsSync(`${dev.syspath}/partition`);
    const diskDir = isPartition ? dirname(dev.syspath) : dev.syspath;

    const r: Row = { name };
    let parent = blockParent(dev);
    if (parent === null && dev.devname.startsWith("dm-")) {
      // An LVM logical volume's parent is its physical volume (osquery asks
      // liblvm; the kernel lists the same devices under slaves/).
      for (const slave of listDir(`${dev.syspath}/slaves`).sort()) {
        const node = `${devDir}/${slave}`;
        if (existsSync(node) && probePath(node)?.type === "LVM2_member") parent = `/dev/${slave}`;
      }
    }
    if (parent !== null) r.parent = parent;
    const size = readAttr(`${dev.syspath}/size`);
    if (size !== null) r.size = size;
    // Partitions have no queue/ of their own, so no block size (as in osquery).
    const blockSize = readAttr(`${dev.syspath}/queue/logical_block_size`);
    if (blockSize !== null) r.block_size = blockSize;
    const serial = readAttr(`${dev.syspath}/device/wwid`);
    if (serial !== null) r.serial = serial;
    const m = model(dev, diskDir, udev);
    if (m !== undefined) r.model = m;
    const vendor = readAttr(`${dev.syspath}/device/vendor`);
    if (vendor !== null) r.vendor = vendor;
    const fs = filesystem(nodeOf(dev), dev.devname, udev, links);
    if (fs) {
      if (fs.type !== undefined) r.type = fs.type;
      if (fs.uuid !== undefined) r.uuid = fs.uuid;
      if (fs.label !== undefined) r.label = fs.label;
    }
    rows.push(r);
  }
  return rows;
}

/**
 * Maps device names ("sda1") to the /dev/disk/by-<kind> link pointing at them,
 * with udev's \xNN escapes (e.g. \x20 for a space in a label) decoded.
 */
export function diskLinks(kind: "by-uuid" | "by-label", devDir = "/dev"): Map<string, string> {
  const out = new Map<string, string>();
  const dir = `${devDir}/disk/${kind}`;
  for (const link of listDir(dir)) {
    try {
      const target = basename(readlinkSync(`${dir}/${link}`));
      out.set(target, link.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
    } catch (e) {
      logUnreadable("block_devices.ts", `${dir}/${link}`, e);
      // Dangling or unreadable link.
    }
  }
  return out;
}
