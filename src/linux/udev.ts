// Device properties as udev would report them, read without libudev: the
// kernel's `uevent` file of a sysfs device, its sysfs attributes, and the udev
// database under /run/udev/data (present when systemd-udevd runs) that holds
// the properties udev rules and hwdb add (ID_MODEL_FROM_DATABASE, ID_FS_UUID …).
import { readlinkSync } from "node:fs";
import { basename } from "node:path";
import { readText } from "./fs.ts";

export const UDEV_DATA_DIR = "/run/udev/data";

/** KEY=VALUE lines of a uevent file (or udev E: lines once stripped). */
export function parseUevent(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

export interface UdevRecord {
  /** E: lines: the device's properties. */
  readonly properties: Map<string, string>;
  /** S: lines: symlinks under /dev, relative to /dev. */
  readonly links: string[];
}

/** Parses one udev database file ("E:KEY=VALUE", "S:disk/by-uuid/…", "G:…", …). */
export function parseUdevDb(text: string): UdevRecord {
  const properties = new Map<string, string>();
  const links: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("E:")) {
      const i = line.indexOf("=", 2);
      if (i > 2) properties.set(line.slice(2, i), line.slice(i + 1));
    } else if (line.startsWith("S:")) {
      links.push(line.slice(2));
    }
  }
  return { properties, links };
}

/**
 * The udev database record of a device, by udev's id: "b8:0" / "c189:2" for
 * device nodes (block/char major:minor), "+pci:0000:00:02.0" or "+usb:1-1:1.0"
 * (subsystem:sysname) for devices without a node. null when absent.
 */
export function readUdevRecord(id: string, dir = UDEV_DATA_DIR): UdevRecord | null {
  const text = readTextFile(`${dir}/${id}`);
  return text === null ? null : parseUdevDb(text);
}

/** udev's database id of a sysfs device: node devices by major:minor, others by subsystem:sysname. */
export function udevId(uevent: ReadonlyMap<string, string>, subsystem: string, sysname: string): string {
  const major = uevent.get("MAJOR");
  const minor = uevent.get("MINOR");
  if (major !== undefined && minor !== undefined) return `${subsystem === "block" ? "b" : "c"}${major}:${minor}`;
  return `+${subsystem}:${sysname}`;
}

/** sysfs and udev text byte for byte (latin1); null when unreadable. */
export const readTextFile = (path: string): string | null => readText(path, "latin1");

/** A sysfs attribute, without its trailing newline; null when unreadable. */
export function readAttr(path: string): string | null {
  const text = readTextFile(path);
  return text === null ? null : text.replace(/\n$/, "");
}

export { listDir } from "./fs.ts";

/** The last component of a symlink's target (e.g. a device's driver name). */
export function linkName(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    // No such link: the device simply lacks that attribute (sysfs omits it).
    return null;
  }
}

/**
 * udev's text cleanup for ID_MODEL/ID_VENDOR/ID_SERIAL: trim, squeeze runs of
 * whitespace into one "_", then replace any byte outside [0-9A-Za-z#+-.:=@_]
 * (and non-ASCII) with "_".
 */
export function udevSanitize(text: string): string {
  const squeezed = text.trim().replace(/\s+/g, "_");
  return squeezed.replace(/[^0-9A-Za-z#+\-.:=@_]/g, "_");
}
