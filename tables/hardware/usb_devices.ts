// usb_devices: USB devices (not interfaces) from /sys/bus/usb/devices, named
// from udev's database or usb.ids. osquery reads udev's database only; where
// udev stored nothing (a container without udevd) osq derives the same
// properties from sysfs, as udev's builtins would.
import { realpathSync } from "node:fs";
import { comparePaths, logUnreadable } from "../../src/linux/fs.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { loadHwIds, USB_IDS_PATHS, type HwIds } from "../../src/linux/hwids.ts";
import { listDir, parseUevent, readAttr, readTextFile, readUdevRecord, UDEV_DATA_DIR, udevId, udevSanitize } from "../../src/linux/udev.ts";

export default defineTable({
  name: "usb_devices",
  columns: {
    usb_address: "INTEGER",
    usb_port: "INTEGER",
    vendor: "TEXT",
    vendor_id: "TEXT collate=nocase",
    version: "TEXT collate=version",
    model: "TEXT",
    model_id: "TEXT collate=nocase",
    serial: "TEXT",
    class: "TEXT",
    subclass: "TEXT",
    protocol: "TEXT",
    removable: "INTEGER",
  },
  generate() {
    return readUsbDevices("/sys/bus/usb/devices", loadHwIds(USB_IDS_PATHS), UDEV_DATA_DIR);
  },
});

/**
 * The udev properties osquery reads for one USB device: those udev stored,
 * else the same values derived as udev's usb_id and hwdb builtins derive them
 * (idVendor, idProduct, bcdDevice, product, serial; names from usb.ids).
 */
export function usbProperties(devDir: string, uevent: ReadonlyMap<string, string>, stored: ReadonlyMap<string, string> | null, ids: HwIds | null): Map<string, string> {
  const props = new Map(uevent);
  if (stored) {
    for (const [k, v] of stored) props.set(k, v);
    return props;
  }
  const vendorId = readAttr(`${devDir}/idVendor`);
  const productId = readAttr(`${devDir}/idProduct`);
  if (vendorId !== null) props.set("ID_VENDOR_ID", vendorId);
  if (productId !== null) props.set("ID_MODEL_ID", productId);
  const revision = readAttr(`${devDir}/bcdDevice`);
  if (revision !== null) props.set("ID_REVISION", revision);
  const serial = readAttr(`${devDir}/serial`);
  if (serial !== null) props.set("ID_SERIAL_SHORT", udevSanitize(serial));
  const product = readAttr(`${devDir}/product`) ?? productId;
  if (product !== null) props.set("ID_MODEL", udevSanitize(product));
  const vendor = vendorId === null ? undefined : ids?.vendors.get(vendorId.toLowerCase());
  if (vendor) props.set("ID_VENDOR_FROM_DATABASE", vendor.name);
  const model = productId === null ? undefined : vendor?.devices.get(productId.toLowerCase());
  if (model) props.set("ID_MODEL_FROM_DATABASE", model.name);
  return props;
}

/** One row from a device's properties and its `removable` attribute; null for interfaces. */
export function usbDeviceRow(props: ReadonlyMap<string, string>, removable: string | null): Row | null {
  const address = props.get("BUSNUM") ?? "";
  const port = props.get("DEVNUM") ?? "";
  // Interfaces (and hubs' ports) have no bus/device number: osquery skips them.
  if (address === "" || port === "") return null;
  // TYPE is bDeviceClass/bDeviceSubClass/bDeviceProtocol in decimal.
  const type = (props.get("TYPE") ?? "").split("/").filter((x) => x !== "");
  const [cls, subclass, protocol] = type.length === 3 ? type : ["", "", ""];
  return {
    // Decimal: osquery casts "010" with strtol base 0 (octal, so 8, and "009"
    // to NULL) in osquery/sql/dynamic_table_row.cpp; osq keeps the number udev means.
    usb_address: Number(address),
    usb_port: Number(port),
    vendor: props.get("ID_VENDOR_FROM_DATABASE") ?? "",
    vendor_id: props.get("ID_VENDOR_ID") ?? "",
    version: props.get("ID_REVISION") ?? "",
    model: props.get("ID_MODEL_FROM_DATABASE") || (props.get("ID_MODEL") ?? ""),
    model_id: props.get("ID_MODEL_ID") ?? "",
    serial: props.get("ID_SERIAL_SHORT") ?? "",
    class: cls,
    subclass,
    protocol,
    // osquery maps "unknown" to -1 and anything else ("removable", "fixed") to 1.
    removable: removable === "unknown" ? -1 : 1,
  };
}

/** Every USB device under a sysfs bus directory, in udev's order (by canonical sysfs path). */
export function readUsbDevices(dir: string, ids: HwIds | null, udevDir: string): Row[] {
  const devices: { devDir: string; name: string }[] = [];
  for (const name of listDir(dir)) {
    try {
      devices.push({ devDir: realpathSync(`${dir}/${name}`), name });
    } catch (e) {
      logUnreadable("usb_devices.ts", `${dir}/${name}`, e);
    }
  }
  devices.sort((a, b) => comparePaths(a.devDir, b.devDir));
  const rows: Row[] = [];
  for (const { devDir, name } of devices) {
    const text = readTextFile(`${devDir}/uevent`);
    if (text === null) continue;
    const uevent = parseUevent(text);
    if (uevent.get("DEVTYPE") === "usb_interface") continue;
    const stored = readUdevRecord(udevId(uevent, "usb", name), udevDir)?.properties ?? null;
    const row = usbDeviceRow(usbProperties(devDir, uevent, stored, ids), readAttr(`${devDir}/removable`));
    if (row) rows.push(row);
  }
  return rows;
}
