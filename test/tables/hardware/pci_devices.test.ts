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

  test("e2e: the binary lists what lspci lists (slots, ids, driver, vendor and model names)", () => {
    if (!Bun.which("lspci")) throw new Error("lspci is missing: install the Debian package pciutils");
    const block = (flags: string) => {
      const r = Bun.spawnSync(["lspci", flags, "-D", "-k"], { stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`lspci ${flags} failed: ${r.stderr.toString().trim()}`);
      return r.stdout.toString().trim().split("\n\n").map((b) => Object.fromEntries(b.split("\n").map((l) => l.split(":\t") as [string, string])));
    };
    const numeric = block("-vmmn");
    const named = block("-vmm");
    expect(numeric.length).toBeGreaterThan(0);
    const want = numeric.map((n, i) => {
      const name = named[i]!;
      return {
        pci_slot: n.Slot ?? "",
        vendor_id: `0x${n.Vendor}`,
        model_id: `0x${n.Device}`,
        subsystem_vendor_id: `0x${n.SVendor ?? "0000"}`,
        subsystem_model_id: `0x${n.SDevice ?? "0000"}`,
        pci_class_id: `0x${n.Class!.slice(0, 2)}`,
        pci_subclass_id: `0x${n.Class!.slice(2, 4)}`,
        driver: n.Driver ?? "",
        vendor: name.Vendor ?? "",
        // lspci names an unlisted device "Device <id>"; osquery leaves it empty.
        model: name.Device === `Device ${n.Device}` ? "" : (name.Device ?? ""),
      };
    });
    const rows = query("SELECT pci_slot, vendor_id, model_id, subsystem_vendor_id, subsystem_model_id, pci_class_id, pci_subclass_id, driver, vendor, model FROM pci_devices");
    expect(rows).toEqual(want);
  });
});
