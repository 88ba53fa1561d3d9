// The system family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import apparmorProfiles from "./apparmor_profiles.ts";
import augeas from "./augeas.ts";
import cpuTime from "./cpu_time.ts";
import dnsResolvers from "./dns_resolvers.ts";
import kernelInfo from "./kernel_info.ts";
import kernelKeys from "./kernel_keys.ts";
import kernelModules from "./kernel_modules.ts";
import loadAverage from "./load_average.ts";
import mdDevices from "./md_devices.ts";
import mdDrives from "./md_drives.ts";
import mdPersonalities from "./md_personalities.ts";
import memoryInfo from "./memory_info.ts";
import memoryMap from "./memory_map.ts";
import mounts from "./mounts.ts";
import osVersion from "./os_version.ts";
import secureboot from "./secureboot.ts";
import securebootCertificates from "./secureboot_certificates.ts";
import selinuxSettings from "./selinux_settings.ts";
import sharedMemory from "./shared_memory.ts";
import systemControls from "./system_controls.ts";
import systemInfo from "./system_info.ts";
import time from "./time.ts";
import ulimitInfo from "./ulimit_info.ts";
import uptime from "./uptime.ts";

export const tables: Table[] = [
  time,
  systemInfo,
  osVersion,
  kernelInfo,
  uptime,
  memoryInfo,
  cpuTime,
  loadAverage,
  kernelModules,
  systemControls,
  mounts,
  ulimitInfo,
  kernelKeys,
  sharedMemory,
  apparmorProfiles,
  selinuxSettings,
  secureboot,
  securebootCertificates,
  memoryMap,
  mdDevices,
  mdDrives,
  mdPersonalities,
  dnsResolvers,
  augeas,
];
