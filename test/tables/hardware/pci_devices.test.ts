import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import table, { pciDeviceRow } from "../../../tables/hardware/pci_devices.ts";
import { parseHwIds } from "../../../src/linux/hwids.ts";
import { generate, query } from "../../helpers.ts";

const SYS = "/sys/bus/pci/devices";
const attr = (slot: string, name: string) => readFileSync(`${SYS}/${slot}/${name}`, "utf8").trim();

const PCI_IDS = `# comment line
8086  Intel Corporation
\t0d57  Fake Host Bridge
\t\t1028 0001  Dell Bridge Card
1028  Dell
ffff  Illegal Vendor ID
C 06  Bridge
\t00  Host bridge
\t04  PCI bridge
C 02  Network controller
\t00  Ethernet controller
`;

describe("pci_devices", () => {
  test("one row per /sys/bus/pci/devices entry; ids match the vendor/device/class attribute files", async () => {
    const rows = await generate(table);
    const slots = readdirSync(SYS).sort();
    expect(rows.map((r) => r.pci_slot)).toEqual(slots);
    for (const r of rows) {
      const slot = String(r.pci_slot);
      expect(r.vendor_id).toBe(attr(slot, "vendor")); // "0x8086"
      expect(r.model_id).toBe(attr(slot, "device"));
      expect(r.subsystem_vendor_id).toBe(attr(slot, "subsystem_vendor"));
      expect(r.subsystem_model_id).toBe(attr(slot, "subsystem_device"));
      const cls = attr(slot, "class"); // "0x060000"
      expect(r.pci_class_id).toBe(cls.slice(0, 4));
      expect(r.pci_subclass_id).toBe("0x" + cls.slice(4, 6));
      // The bound driver is the driver/ link's target (uevent's DRIVER= is what the table reads).
      let driver = "";
      try {
        driver = basename(readlinkSync(`${SYS}/${slot}/driver`));
      } catch { /* unbound */ }
      expect(r.driver).toBe(driver);
    }
  });

  test("names from a pci.ids fixture (vendor, model, subsystem, class)", () => {
    const ids = parseHwIds(PCI_IDS);
    const uevent = new Map([["PCI_SLOT_NAME", "0000:00:00.0"], ["PCI_ID", "8086:0D57"], ["PCI_SUBSYS_ID", "1028:0001"], ["PCI_CLASS", "60400"], ["DRIVER", "pcieport"]]);
    expect(pciDeviceRow(uevent, new Map(), ids)).toEqual({
      pci_slot: "0000:00:00.0", pci_class: "Bridge", pci_subclass: "PCI bridge", driver: "pcieport",
      vendor: "Intel Corporation", model: "Fake Host Bridge", vendor_id: "0x8086", model_id: "0x0d57",
      subsystem_vendor_id: "0x1028", subsystem_model_id: "0x0001", subsystem_vendor: "Dell", subsystem_model: "Dell Bridge Card",
      pci_class_id: "0x06", pci_subclass_id: "0x04",
    });
    // "ffff" ends the vendor list; udev names win for class, pci.ids for vendor.
    expect(ids.vendors.has("ffff")).toBe(false);
    const udev = new Map([["ID_PCI_CLASS_FROM_DATABASE", "Bridge (udev)"], ["ID_VENDOR_FROM_DATABASE", "Intel (udev)"]]);
    const r = pciDeviceRow(uevent, udev, ids);
    expect(r.pci_class).toBe("Bridge (udev)");
    expect(r.vendor).toBe("Intel Corporation");
    expect(pciDeviceRow(new Map([["PCI_ID", "garbage"]]), new Map(), null)).toMatchObject({ vendor_id: "0", model_id: "0", vendor: "" });
  });

  test("e2e: slots and drivers through the binary", async () => {
    const rows = query("SELECT pci_slot, driver, vendor_id FROM pci_devices");
    const direct = await generate(table);
    expect(rows.map((r) => [r.pci_slot, r.driver, r.vendor_id])).toEqual(direct.map((r) => [String(r.pci_slot), String(r.driver), String(r.vendor_id)]));
  });
});
