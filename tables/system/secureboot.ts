// secureboot: UEFI Secure Boot state from the efivarfs variables SecureBoot
// and SetupMode (EFI global variable GUID). As osquery on Linux: no row at all
// on non-UEFI firmware (no /sys/firmware/efi); a variable that cannot be read
// leaves its column empty, and so does one that is not exactly 5 bytes long
// (linux/secureboot.cpp reads the whole file and checks its length); the
// fifth byte (after 4 attribute bytes) gives 1 or 0, any other value -1.
import { readFileSync } from "node:fs";
import { isDirectory } from "../../src/linux/fs.ts";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

const EFI_GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
export const EFI_DIR = "/sys/firmware/efi";

export default defineTable({
  name: "secureboot",
  columns: {
    secure_boot: "INTEGER",
    setup_mode: "INTEGER",
    secure_mode: "INTEGER platform",
    description: "TEXT platform",
    kernel_extensions: "INTEGER platform",
    mdm_operations: "INTEGER platform",
  },
  generate() {
    return secureBootRows(EFI_DIR);
  },
});

export function secureBootRows(efiDir: string): Row[] {
  if (!isDirectory(efiDir)) return [];
  return [
    {
      secure_boot: readBoolVar(`${efiDir}/efivars/SecureBoot-${EFI_GLOBAL_GUID}`),
      setup_mode: readBoolVar(`${efiDir}/efivars/SetupMode-${EFI_GLOBAL_GUID}`),
    },
  ];
}

function readBoolVar(path: string): number | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    // A missing variable (most often: no EFI) is not logged; anything else is, at verbose level.
    logUnreadable("secureboot.ts", path, e);
    return undefined;
  }
  if (data.length !== 5) {
    verbose("secureboot.ts", `Under read on efivar file : ${path}`);
    return undefined;
  }
  const v = data[4];
  return v === 0 || v === 1 ? v : -1;
}
