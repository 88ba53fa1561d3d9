// pci_devices: PCI functions from /sys/bus/pci/devices, named from pci.ids.
import { realpathSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { comparePaths, logUnreadable } from "../../src/linux/fs.ts";
import { ERROR, logToStderr } from "../../src/logger/glog.ts";
import { loadHwIds, PCI_IDS_PATHS, type HwIds } from "../../src/linux/hwids.ts";
import { listDir, parseUevent, readTextFile, readUdevRecord, UDEV_DATA_DIR } from "../../src/linux/udev.ts";

export default defineTable({
  name: "pci_devices",
  columns: {
    pci_slot: "TEXT",
    pci_class: "TEXT",
    driver: "TEXT",
    vendor: "TEXT",
    vendor_id: "TEXT collate=nocase",
    model: "TEXT",
    model_id: "TEXT collate=nocase",
    pci_class_id: "TEXT collate=nocase",
    pci_subclass_id: "TEXT collate=nocase",
    pci_subclass: "TEXT",
    subsystem_vendor_id: "TEXT collate=nocase",
    subsystem_vendor: "TEXT",
    subsystem_model_id: "TEXT collate=nocase",
    subsystem_model: "TEXT",
  },
  generate() {
    return readPciDevices("/sys/bus/pci/devices", loadHwIds(PCI_IDS_PATHS), UDEV_DATA_DIR);
  },
});

/**
 * Reads every device under a sysfs PCI devices directory, in udev's
 * enumeration order (by canonical sysfs path, so a bridge's devices follow
 * it). Without a pci.ids osquery lists nothing (osquery/tables/system/linux/pci_devices.cpp).
 */
export function readPciDevices(dir: string, ids: HwIds | null, udevDir: string): Row[] {
  if (ids === null) {
    logToStderr(ERROR, "pci_devices.cpp", 0, `Unexpected error attempting to read pci.ids at path: ${PCI_IDS_PATHS.join(" ")}`);
    return [];
  }
  const devices: { syspath: string; slot: string }[] = [];
  for (const slot of listDir(dir)) {
    try {
      devices.push({ syspath: realpathSync(`${dir}/${slot}`), slot });
    } catch (e) {
      logUnreadable("pci_devices.ts", `${dir}/${slot}`, e);
    }
  }
  devices.sort((a, b) => comparePaths(a.syspath, b.syspath));
  const rows: Row[] = [];
  for (const { syspath, slot } of devices) {
    const uevent = readTextFile(`${syspath}/uevent`);
    if (uevent === null) continue;
    const db = readUdevRecord(`+pci:${slot}`, udevDir)?.properties ?? new Map<string, string>();
    rows.push(pciDeviceRow(parseUevent(uevent), db, ids));
  }
  return rows;
}

/** "8086:0D57" → ["8086", "0d57"], lowercased like pci.ids; null when malformed. */
function splitIdPair(text: string | undefined): [string, string] | null {
  const parts = (text ?? "").toLowerCase().split(":");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return null;
  return [parts[0]!, parts[1]!];
}

/**
 * One row from a device's uevent (PCI_SLOT_NAME, PCI_ID, PCI_SUBSYS_ID,
 * PCI_CLASS, DRIVER) and udev properties. Vendor and model names come from
 * udev's hwdb when present, then from pci.ids, which wins as in osquery.
 */
export function pciDeviceRow(uevent: ReadonlyMap<string, string>, udev: ReadonlyMap<string, string>, ids: HwIds | null): Row {
  const r: Row = {
    pci_slot: uevent.get("PCI_SLOT_NAME") ?? "",
    pci_class: udev.get("ID_PCI_CLASS_FROM_DATABASE") ?? "",
    pci_subclass: udev.get("ID_PCI_SUBCLASS_FROM_DATABASE") ?? "",
    driver: uevent.get("DRIVER") ?? "",
    vendor: udev.get("ID_VENDOR_FROM_DATABASE") ?? "",
    model: udev.get("ID_MODEL_FROM_DATABASE") ?? "",
  };

  const ven = splitIdPair(uevent.get("PCI_ID"));
  if (ven === null) {
    // osquery's legacy value for an unparsable PCI_ID.
    r.vendor_id = "0";
    r.model_id = "0";
  } else {
    const [vendorId, modelId] = ven;
    r.vendor_id = `0x${vendorId}`;
    r.model_id = `0x${modelId}`;
    const vendor = ids?.vendors.get(vendorId);
    if (vendor) r.vendor = vendor.name;
    const device = vendor?.devices.get(modelId);
    if (device) r.model = device.name;
    const sub = splitIdPair(uevent.get("PCI_SUBSYS_ID"));
    if (sub !== null) {
      r.subsystem_vendor_id = `0x${sub[0]}`;
      r.subsystem_model_id = `0x${sub[1]}`;
      const subVendor = ids?.vendors.get(sub[0]);
      if (subVendor) r.subsystem_vendor = subVendor.name;
      const subModel = device?.subsystems.get(`${sub[0]} ${sub[1]}`);
      if (subModel !== undefined) r.subsystem_model = subModel;
    }
  }

  // PCI_CLASS is the 24-bit class code in hex without leading zeros
  // ("60000" or "FFFF00"): class, subclass, programming interface.
  const cls = (uevent.get("PCI_CLASS") ?? "").toLowerCase();
  if (cls.length === 5 || cls.length === 6) {
    const full = cls.padStart(6, "0");
    const classId = full.slice(0, 2);
    const subclassId = full.slice(2, 4);
    // Class names come from udev alone: osquery's pci.ids reader stops at
    // vendor ffff, before the class list.
    r.pci_class_id = `0x${classId}`;
    r.pci_subclass_id = `0x${subclassId}`;
  }
  return r;
}
