import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { readUsbDevices } from "../../../tables/hardware/usb_devices.ts";
import { parseHwIds } from "../../../src/linux/hwids.ts";
import { generate, OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";

const USB_IDS = `046d  Logitech, Inc.
\tc52b  Unifying Receiver
1d6b  Linux Foundation
\t0002  2.0 root hub
C 09  Hub
`;

/** Writes a sysfs-like device directory with the given attribute files. */
function device(root: string, name: string, files: Record<string, string>) {
  mkdirSync(join(root, name), { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(root, name, f), v + "\n");
}

function fixture(): { sys: string; udev: string } {
  const base = mkdtempSync(join(tmpdir(), "osq-usb-"));
  const sys = join(base, "devices");
  const udev = join(base, "udev");
  mkdirSync(udev);
  device(sys, "usb1", {
    uevent: "MAJOR=189\nMINOR=0\nDEVNAME=bus/usb/001/001\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=1d6b/2/606\nTYPE=9/0/1\nBUSNUM=001\nDEVNUM=001",
    idVendor: "1d6b", idProduct: "0002", bcdDevice: "0606", product: "EHCI Host Controller", serial: "0000:00:1d.0", removable: "unknown",
  });
  device(sys, "1-1", {
    uevent: "MAJOR=189\nMINOR=1\nDEVNAME=bus/usb/001/002\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=46d/c52b/2410\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=002",
    idVendor: "046d", idProduct: "c52b", bcdDevice: "2410", product: "USB Receiver", removable: "removable",
  });
  device(sys, "1-1:1.0", { uevent: "DEVTYPE=usb_interface\nDRIVER=usbhid\nPRODUCT=46d/c52b/2410\nTYPE=0/0/0\nINTERFACE=3/1/1" });
  // A device udev already described: its database record wins.
  device(sys, "2-1", {
    uevent: "MAJOR=189\nMINOR=129\nDEVNAME=bus/usb/002/002\nDEVTYPE=usb_device\nTYPE=239/2/1\nBUSNUM=002\nDEVNUM=002",
    idVendor: "abcd", idProduct: "1234", bcdDevice: "0100", removable: "fixed",
  });
  writeFileSync(join(udev, "c189:129"), "I:1\nE:ID_VENDOR_ID=abcd\nE:ID_MODEL_ID=1234\nE:ID_REVISION=0100\nE:ID_MODEL=Camera\nE:ID_VENDOR_FROM_DATABASE=Acme\nE:ID_SERIAL_SHORT=SN42\n");
  return { sys, udev };
}

/** The fixture's rows, as osquery reports them. */
const EXPECTED = [
  { usb_address: 1, usb_port: 2, vendor: "Logitech, Inc.", vendor_id: "046d", version: "2410", model: "Unifying Receiver", model_id: "c52b", serial: "", class: "0", subclass: "0", protocol: "0", removable: 1 },
  { usb_address: 2, usb_port: 2, vendor: "Acme", vendor_id: "abcd", version: "0100", model: "Camera", model_id: "1234", serial: "SN42", class: "239", subclass: "2", protocol: "1", removable: 1 },
  { usb_address: 1, usb_port: 1, vendor: "Linux Foundation", vendor_id: "1d6b", version: "0606", model: "2.0 root hub", model_id: "0002", serial: "0000:00:1d.0", class: "9", subclass: "0", protocol: "1", removable: -1 },
];

describe("usb_devices", () => {
  test("devices from a sysfs fixture, interfaces skipped, names from usb.ids or udev", () => {
    const { sys, udev } = fixture();
    const rows = readUsbDevices(sys, parseHwIds(USB_IDS), udev);
    expect(rows).toEqual(EXPECTED);
    // Without usb.ids, the model is udev's cleaned-up product string.
    expect(readUsbDevices(sys, null, udev)[0]).toMatchObject({ vendor: "", model: "USB_Receiver" });
  });

  test("rows come in udev's order: by sysfs path, a hub before the devices on it", () => {
    const base = mkdtempSync(join(tmpdir(), "osq-usb-tree-"));
    const bus = join(base, "bus");
    mkdirSync(bus);
    const dev = (path: string, busnum: string, devnum: string) => {
      device(base, path, { uevent: `DEVTYPE=usb_device\nTYPE=9/0/1\nBUSNUM=${busnum}\nDEVNUM=${devnum}`, removable: "unknown" });
      symlinkSync(join(base, path), join(bus, path.split("/").pop()!));
    };
    dev("pci0/usb1", "001", "001");
    dev("pci0/usb1/1-1", "001", "002");
    dev("pci0/usb1/1-1/1-1.2", "001", "003");
    dev("pci0/usb2", "002", "001");
    const order = readUsbDevices(bus, null, join(base, "udev")).map((r) => `${r.usb_address}:${r.usb_port}`);
    expect(order).toEqual(["1:1", "1:2", "1:3", "2:1"]);
  });

  test("on this machine: one row per USB device directory with a bus number", async () => {
    const dir = "/sys/bus/usb/devices";
    const expected = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, "busnum"))).length : 0;
    expect((await generate(table)).length).toBe(expected);
  });

  test("e2e: the binary reads the fixture where the kernel, udev and usbutils keep theirs", () => {
    const { sys, udev } = fixture();
    const ids = join(sys, "..", "usb.ids");
    writeFileSync(ids, USB_IDS);
    // A private mount namespace puts the fixture at the real paths for the binary alone.
    const [out] = inMountNamespace(
      [
        `mount -t tmpfs osq-usb /sys/bus && mkdir /sys/bus/usb && cp -a ${sh(sys)} /sys/bus/usb/devices`,
        `mount -t tmpfs osq-usb /run && mkdir -p /run/udev && cp -a ${sh(udev)} /run/udev/data`,
        `mount -t tmpfs osq-usb /usr/share/misc && cp ${sh(ids)} /usr/share/misc/usb.ids`,
      ],
      [`${sh(OSQUERYI)} --json 'SELECT * FROM usb_devices'`],
    );
    const rows = JSON.parse(out ?? "") as Record<string, string>[];
    expect(rows).toEqual(EXPECTED.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))));
  });
});
