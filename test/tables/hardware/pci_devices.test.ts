import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import table, { pciDeviceRow, readPciDevices } from "../../../tables/hardware/pci_devices.ts";
import { parseHwIds, PCI_IDS_PATHS } from "../../../src/linux/hwids.ts";
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
    if (!PCI_IDS_PATHS.some((p) => existsSync(p))) throw new Error("pci.ids is missing: install the Debian package pci.ids");
    const rows = await generate(table);
    // udev's order: by canonical sysfs path, compared component by component.
    const byPath = readdirSync(SYS).map((slot) => ({ slot, parts: realpathSync(`${SYS}/${slot}`).split("/") }));
    byPath.sort((a, b) => {
      for (let i = 0; i < Math.min(a.parts.length, b.parts.length); i++) if (a.parts[i] !== b.parts[i]) return a.parts[i]! < b.parts[i]! ? -1 : 1;
      return a.parts.length - b.parts.length;
    });
    expect(rows.map((r) => r.pci_slot)).toEqual(byPath.map((d) => d.slot));
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
      pci_slot: "0000:00:00.0", pci_class: "", pci_subclass: "", driver: "pcieport",
      vendor: "Intel Corporation", model: "Fake Host Bridge", vendor_id: "0x8086", model_id: "0x0d57",
      subsystem_vendor_id: "0x1028", subsystem_model_id: "0x0001", subsystem_vendor: "Dell", subsystem_model: "Dell Bridge Card",
      pci_class_id: "0x06", pci_subclass_id: "0x04",
    });
    // "ffff" ends the vendor list; class names come from udev only, vendor names from pci.ids first.
    expect(ids.vendors.has("ffff")).toBe(false);
    const udev = new Map([["ID_PCI_CLASS_FROM_DATABASE", "Bridge (udev)"], ["ID_VENDOR_FROM_DATABASE", "Intel (udev)"]]);
    const r = pciDeviceRow(uevent, udev, ids);
    expect(r.pci_class).toBe("Bridge (udev)");
    expect(r.vendor).toBe("Intel Corporation");
    expect(pciDeviceRow(new Map([["PCI_ID", "garbage"]]), new Map(), null)).toMatchObject({ vendor_id: "0", model_id: "0", vendor: "" });
  });

  test("a sysfs fixture: udev's path order puts a bridge's devices after it; no pci.ids lists nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "osq-pci-"));
    const bus = join(root, "bus");
    mkdirSync(bus);
    const dev = (path: string, slot: string) => {
      mkdirSync(join(root, path), { recursive: true });
      writeFileSync(join(root, path, "uevent"), `PCI_SLOT_NAME=${slot}\nPCI_ID=8086:0D57\n`);
      symlinkSync(join(root, path), join(bus, slot));
    };
    dev("pci0000:00/0000:00:1c.0", "0000:00:1c.0");
    dev("pci0000:00/0000:00:1c.0/0000:02:00.0", "0000:02:00.0");
    dev("pci0000:00/0000:00:1f.0", "0000:00:1f.0");
    const ids = parseHwIds(PCI_IDS);
    expect(readPciDevices(bus, ids, join(root, "udev")).map((r) => r.pci_slot)).toEqual(["0000:00:1c.0", "0000:02:00.0", "0000:00:1f.0"]);
    expect(readPciDevices(bus, null, join(root, "udev"))).toEqual([]);
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
    // osq lists in udev's sysfs path order, lspci by slot: compare as sets of rows.
    const bySlot = (a: { pci_slot?: string }, b: { pci_slot?: string }) => (a.pci_slot ?? "").localeCompare(b.pci_slot ?? "");
    expect([...rows].sort(bySlot)).toEqual([...want].sort(bySlot));
  });
});
