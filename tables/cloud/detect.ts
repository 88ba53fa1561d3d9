// Whether this host runs on EC2, Azure or Yandex Cloud, decided from local files only, so
// that off-cloud hosts never send a packet towards a metadata service.
// `root` prefixes every path (tests point it at a fixture tree).
import { readFileSync } from "node:fs";
import { logUnreadable, pathExists } from "../../src/linux/fs.ts";

function read(root: string, path: string): string {
  try {
    return readFileSync(`${root}${path}`, "utf8").trim();
  } catch (e) {
    logUnreadable("detect.ts", `${root}${path}`, e);
    return "";
  }
}

const DMI = "/sys/class/dmi/id";

/**
 * EC2: Xen guests expose /sys/hypervisor/uuid starting with "ec2"; Nitro
 * (KVM) instances have "Amazon EC2" as DMI vendor and an "ec2…" product
 * uuid; older Xen HVM guests report "amazon" in the BIOS/product version.
 */
export function isEc2Host(root = ""): boolean {
  if (read(root, "/sys/hypervisor/uuid").toLowerCase().startsWith("ec2")) return true;
  for (const f of ["sys_vendor", "board_vendor", "bios_vendor", "product_version", "bios_version"]) {
    if (read(root, `${DMI}/${f}`).toLowerCase().includes("amazon")) return true;
  }
  return read(root, `${DMI}/product_uuid`).toLowerCase().startsWith("ec2");
}

/**
 * Azure: the Linux agent's log exists, the one test osquery's isAzureInstance
 * makes (osquery/utils/azure/azure_util.cpp); a VM without the agent is not
 * asked, even though its DMI asset tag would say Azure.
 */
export function isAzureHost(root = ""): boolean {
  return pathExists(`${root}/var/log/waagent.log`);
}

/**
 * Yandex Cloud: its KVM guests carry "Yandex" in the DMI system/board/BIOS
 * vendor or product fields (the metadata service itself is GCE-compatible,
 * so it cannot tell Yandex from Google without a request).
 */
export function isYandexCloudHost(root = ""): boolean {
  for (const f of ["sys_vendor", "board_vendor", "bios_vendor", "chassis_vendor", "product_name"]) {
    if (read(root, `${DMI}/${f}`).toLowerCase().includes("yandex")) return true;
  }
  return false;
}
