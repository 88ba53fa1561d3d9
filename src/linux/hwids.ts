// The hardware id databases pci.ids and usb.ids (pciutils / usbutils format):
// vendor lines "vvvv  Name", device lines "\tdddd  Name", subsystem lines
// "\t\tssss ssss  Name", and class sections "C cc  Name" / "\tss  Name".
// These are what udev's hwdb and osquery use to name devices.
import { readFileSync } from "node:fs";
import { logUnreadable } from "./fs.ts";

export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"];
export const USB_IDS_PATHS = ["/usr/share/misc/usb.ids", "/usr/share/hwdata/usb.ids", "/usr/share/usb.ids", "/var/lib/usbutils/usb.ids"];

export interface IdsVendor {
  readonly name: string;
  /** By lowercase device id. */
  readonly devices: Map<string, IdsDevice>;
}

export interface IdsDevice {
  readonly name: string;
  /** By "ssss ssss" (subvendor subdevice), lowercase. */
  readonly subsystems: Map<string, string>;
}

export interface IdsClass {
  readonly name: string;
  /** By lowercase subclass id. */
  readonly subclasses: Map<string, string>;
}

export interface HwIds {
  /** By lowercase 4-digit vendor id. */
  readonly vendors: Map<string, IdsVendor>;
  /** By lowercase 2-digit class id. */
  readonly classes: Map<string, IdsClass>;
}

/**
 * Parses pci.ids or usb.ids. Comments (#) are stripped; the first of a
 * duplicate id wins, as in osquery's reader. Vendor "ffff" (pci.ids' marker
 * before the class list) is not a vendor.
 */
export function parseHwIds(text: string): HwIds {
  const vendors = new Map<string, IdsVendor>();
  const classes = new Map<string, IdsClass>();
  let vendor: IdsVendor | null = null;
  let device: IdsDevice | null = null;
  let cls: IdsClass | null = null;
  let section: "vendors" | "classes" | "other" = "vendors";
  for (const raw of text.split("\n")) {
    const hash = raw.indexOf("#");
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\s+$/, "");
    if (line === "") continue;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^([0-9a-fA-F]{4})\s+(.*)$/))) {
      section = "vendors";
      device = null;
      const id = m[1]!.toLowerCase();
      if (id === "ffff") {
        vendor = null;
        continue;
      }
      vendor = vendors.get(id) ?? { name: m[2]!, devices: new Map() };
      if (!vendors.has(id)) vendors.set(id, vendor);
    } else if ((m = line.match(/^C\s+([0-9a-fA-F]{2})\s+(.*)$/))) {
      section = "classes";
      const id = m[1]!.toLowerCase();
      cls = classes.get(id) ?? { name: m[2]!, subclasses: new Map() };
      if (!classes.has(id)) classes.set(id, cls);
    } else if (/^[A-Z]{1,3}\s/.test(line)) {
      section = "other"; // usb.ids' AT/HID/R/BIAS/PHY/HUT/L/HCC/VT sections.
    } else if (section === "vendors" && (m = line.match(/^\t([0-9a-fA-F]{4})\s+(.*)$/))) {
      if (!vendor) continue;
      const id = m[1]!.toLowerCase();
      device = vendor.devices.get(id) ?? { name: m[2]!, subsystems: new Map() };
      if (!vendor.devices.has(id)) vendor.devices.set(id, device);
    } else if (section === "vendors" && (m = line.match(/^\t\t([0-9a-fA-F]{4})\s+([0-9a-fA-F]{4})\s+(.*)$/))) {
      if (!device) continue;
      const key = `${m[1]!.toLowerCase()} ${m[2]!.toLowerCase()}`;
      if (!device.subsystems.has(key)) device.subsystems.set(key, m[3]!.trim());
    } else if (section === "classes" && (m = line.match(/^\t([0-9a-fA-F]{2})\s+(.*)$/))) {
      if (cls && !cls.subclasses.has(m[1]!.toLowerCase())) cls.subclasses.set(m[1]!.toLowerCase(), m[2]!);
    }
  }
  return { vendors, classes };
}

const cache = new Map<string, HwIds>();

/**
 * The first readable database of `paths`, parsed once per process; null when
 * none exists (looked for again next time, in case it gets installed).
 */
export function loadHwIds(paths: readonly string[]): HwIds | null {
  const key = paths.join("\0");
  const cached = cache.get(key);
  if (cached) return cached;
  for (const p of paths) {
    try {
      const ids = parseHwIds(readFileSync(p, "latin1"));
      cache.set(key, ids);
      return ids;
    } catch (e) {
      logUnreadable("hwids.ts", p, e);
      // Try the next location.
    }
  }
  return null;
}
