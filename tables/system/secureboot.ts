// secureboot: UEFI Secure Boot state from the efivarfs variables SecureBoot
// and SetupMode (EFI global variable GUID). As osquery on Linux: no row at all
// on non-UEFI firmware (no /sys/firmware/efi); a variable that cannot be read
// leaves its column empty; the fifth byte (after 4 attribute bytes) gives 1
// or 0, any other value -1.
import { closeSync, existsSync, openSync, readSync } from "node:fs";
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
  if (!existsSync(efiDir)) return [];
  return [
    {
      secure_boot: readBoolVar(`${efiDir}/efivars/SecureBoot-${EFI_GLOBAL_GUID}`),
      setup_mode: readBoolVar(`${efiDir}/efivars/SetupMode-${EFI_GLOBAL_GUID}`),
    },
  ];
}

function readBoolVar(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    logUnreadable("secureboot.ts", path, e);
    return undefined;
  }
  try {
    const buf = Buffer.alloc(5);
    let got = 0;
    while (got < 5) {
      const n = readSync(fd, buf, got, 5 - got, null);
      if (n <= 0) break;
      got += n;
    }
    if (got !== 5) return undefined;
    const v = buf[4];
    return v === 0 || v === 1 ? v : -1;
  } catch (e) {
    logUnreadable("secureboot.ts", path, e);
    return undefined;
  } finally {
    closeSync(fd);
  }
}
