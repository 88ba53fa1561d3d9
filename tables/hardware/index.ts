// The hardware family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import acpiTables from "./acpi_tables.ts";
import blockDevices from "./block_devices.ts";
import cpuInfo from "./cpu_info.ts";
import cpuid from "./cpuid.ts";
import diskEncryption from "./disk_encryption.ts";
import intelMeInfo from "./intel_me_info.ts";
import memoryArrayMappedAddresses from "./memory_array_mapped_addresses.ts";
import memoryArrays from "./memory_arrays.ts";
import memoryDeviceMappedAddresses from "./memory_device_mapped_addresses.ts";
import memoryDevices from "./memory_devices.ts";
import memoryErrorInfo from "./memory_error_info.ts";
import msr from "./msr.ts";
import oemStrings from "./oem_strings.ts";
import pciDevices from "./pci_devices.ts";
import platformInfo from "./platform_info.ts";
import smbiosTables from "./smbios_tables.ts";
import startupItems from "./startup_items.ts";
import systemdUnits from "./systemd_units.ts";
import usbDevices from "./usb_devices.ts";

export const tables: Table[] = [
  acpiTables,
  blockDevices,
  cpuInfo,
  cpuid,
  diskEncryption,
  intelMeInfo,
  memoryArrayMappedAddresses,
  memoryArrays,
  memoryDeviceMappedAddresses,
  memoryDevices,
  memoryErrorInfo,
  msr,
  oemStrings,
  pciDevices,
  platformInfo,
  smbiosTables,
  startupItems,
  systemdUnits,
  usbDevices,
];
