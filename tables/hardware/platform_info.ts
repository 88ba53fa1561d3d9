// platform_info: the firmware (BIOS/UEFI) description from SMBIOS type 0.
import { existsSync } from "node:fs";
import { defineTable, type Row } from "../../src/table.ts";
import { byteAt, dmiStringAt, hex, readSmbiosTable, SMBIOS_TYPE, wordAt, type SmbiosStructure } from "../../src/linux/smbios.ts";

export default defineTable({
  name: "platform_info",
  columns: {
    vendor: "TEXT",
    version: "TEXT collate=version",
    date: "TEXT",
    revision: "TEXT",
    extra: "TEXT",
    firmware_type: "TEXT",
    address: "TEXT",
    size: "TEXT",
    volume_size: "INTEGER",
  },
  generate() {
    return platformInfoRows(readSmbiosTable(), firmwareType());
  },
});

/** Linux boots through UEFI exactly when the kernel exposes /sys/firmware/efi. */
export function firmwareType(sysfs = "/sys"): string {
  return existsSync(`${sysfs}/firmware/efi`) ? "uefi" : "bios";
}

export function platformInfoRows(structures: readonly SmbiosStructure[], firmware: string): Row[] {
  const rows: Row[] = [];
  for (const s of structures) {
    // osquery reads up to offset 0x15 and needs the structure to be that long.
    if (s.type !== SMBIOS_TYPE.BIOS || s.raw.length < 0x15) continue;
    rows.push({
      vendor: dmiStringAt(s, 0x04),
      version: dmiStringAt(s, 0x05),
      date: dmiStringAt(s, 0x08),
      // BIOS starting address segment (a WORD), as osquery prints it.
      address: hex(wordAt(s, 0x06), 4),
      // ROM size: (n + 1) * 64 KiB, in bytes.
      size: String(((byteAt(s, 0x09) + 1) << 6) * 1024),
      revision: `${byteAt(s, 0x14)}.${byteAt(s, 0x15)}`,
      volume_size: 0,
      extra: "",
      firmware_type: firmware,
    });
  }
  return rows;
}
