// SMBIOS (DMI) structure-table parsing, shared by every table that osquery
// fills from SMBIOS on Linux (smbios_tables, cpu_info, platform_info,
// memory_*, oem_strings, and system_info's fallbacks).
//
// On Linux the kernel exports the raw structure table as
// /sys/firmware/dmi/tables/DMI (root only) and the entry point beside it as
// smbios_entry_point. osquery reads the DMI file whole and walks it; so do we.
// Each structure is: a 4-byte header (type u8, length u8, handle u16 LE), the
// rest of the formatted area up to `length`, then a string set of
// NUL-terminated strings closed by an extra NUL ("\0\0" when there are none).
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { logUnreadable } from "./fs.ts";

export const DMI_TABLE_PATH = "/sys/firmware/dmi/tables/DMI";
export const DMI_ENTRY_POINT_PATH = "/sys/firmware/dmi/tables/smbios_entry_point";

export interface SmbiosStructure {
  /** Position in the table, from 0: osquery's `number`. */
  readonly index: number;
  readonly type: number;
  /** Length of the formatted area (header included). */
  readonly length: number;
  readonly handle: number;
  /**
   * The whole structure: formatted area and string set. Field readers read
   * from here, so a short (old-version) structure reads into its strings the
   * way osquery's pointer arithmetic does.
   */
  readonly raw: Uint8Array;
}

/** osquery's names for structure types (SMBIOS spec section titles). */
export const SMBIOS_TYPE_DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [0, "BIOS Information"],
  [1, "System Information"],
  [2, "Base Board or Module Information"],
  [3, "System Enclosure or Chassis"],
  [4, "Processor Information"],
  [5, "Memory Controller Information"],
  [6, "Memory Module Information"],
  [7, "Cache Information"],
  [8, "Port Connector Information"],
  [9, "System Slots"],
  [10, "On Board Devices Information"],
  [11, "OEM Strings"],
  [12, "System Configuration Options"],
  [13, "BIOS Language Information"],
  [14, "Group Associations"],
  [15, "System Event Log"],
  [16, "Physical Memory Array"],
  [17, "Memory Device"],
  [18, "32-bit Memory Error Information"],
  [19, "Memory Array Mapped Address"],
  [20, "Memory Device Mapped Address"],
  [21, "Built-in Pointing Device"],
  [22, "Portable Battery"],
  [23, "System Reset"],
  [24, "Hardware Security"],
  [25, "System Power Controls"],
  [26, "Voltage Probe"],
  [27, "Cooling Device"],
  [28, "Temperature Probe"],
  [29, "Electrical Current Probe"],
  [30, "Out-of-Band Remote Access"],
  [31, "Boot Integrity Services"],
  [32, "System Boot Information"],
  [33, "64-bit Memory Error Information"],
  [34, "Management Device"],
  [35, "Management Device Component"],
  [36, "Management Device Threshold Data"],
  [37, "Memory Channel"],
  [38, "IPMI Device Information"],
  [39, "System Power Supply"],
  [40, "Additional Information"],
  [41, "Onboard Devices Extended Info"],
  [126, "Inactive"],
  [127, "End-of-Table"],
  [130, "Memory SPD Data"],
  [131, "OEM Processor Type"],
  [132, "OEM Processor Bus Speed"],
]);

export const SMBIOS_TYPE = {
  BIOS: 0,
  SYSTEM: 1,
  PROCESSOR: 4,
  OEM_STRINGS: 11,
  MEMORY_ARRAY: 16,
  MEMORY_DEVICE: 17,
  MEMORY_ERROR_INFO: 18,
  MEMORY_ARRAY_MAPPED_ADDRESS: 19,
  MEMORY_DEVICE_MAPPED_ADDRESS: 20,
} as const;

const HEADER_SIZE = 4;

/**
 * Splits a DMI structure table into structures. Walks like osquery: stop at a
 * header that does not fit, at a header whose formatted area runs past the
 * end, or at an all-zero header (padding); a string set is closed by the first
 * "\0\0" at or after the formatted area.
 */
export function parseSmbiosTable(data: Uint8Array): SmbiosStructure[] {
  const out: SmbiosStructure[] = [];
  const end = data.length;
  let pos = 0;
  while (pos + HEADER_SIZE <= end) {
    const type = data[pos]!;
    const length = data[pos + 1]!;
    const handle = data[pos + 2]! | (data[pos + 3]! << 8);
    if (pos + length > end) break;
    if (length === 0 && handle === 0) break;
    // An unterminated string set ends where the search stopped (as osquery).
    let next = pos + length;
    for (; next + HEADER_SIZE <= end; next++) {
      if (data[next] === 0 && data[next + 1] === 0) {
        next += 2;
        break;
      }
    }
    out.push({ index: out.length, type, length, handle, raw: data.subarray(pos, next) });
    pos = next;
  }
  return out;
}

/** Reads and parses the kernel's DMI table; [] when absent or unreadable (not root). */
export function readSmbiosTable(path = DMI_TABLE_PATH): SmbiosStructure[] {
  try {
    return parseSmbiosTable(new Uint8Array(readFileSync(path)));
  } catch (e) {
    logUnreadable("smbios.ts", path, e);
    return [];
  }
}

export interface SmbiosEntryPoint {
  /** "2.1" (32-bit "_SM_" anchor) or "3.0" (64-bit "_SM3_" anchor). */
  readonly anchor: "_SM_" | "_SM3_";
  readonly major: number;
  readonly minor: number;
  /** Table length (2.x) or maximum table size (3.x). */
  readonly tableLength: number;
  readonly tableAddress: bigint;
}

/** Parses smbios_entry_point (the SMBIOS version lives only there). */
export function parseSmbiosEntryPoint(data: Uint8Array): SmbiosEntryPoint | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ascii = (o: number, n: number) => Buffer.from(data.subarray(o, o + n)).toString("latin1");
  if (data.length >= 0x18 && ascii(0, 5) === "_SM3_") {
    return {
      anchor: "_SM3_",
      major: data[7]!,
      minor: data[8]!,
      tableLength: view.getUint32(0x0c, true),
      tableAddress: view.getBigUint64(0x10, true),
    };
  }
  if (data.length >= 0x1f && ascii(0, 4) === "_SM_") {
    return {
      anchor: "_SM_",
      major: data[6]!,
      minor: data[7]!,
      tableLength: view.getUint16(0x16, true),
      tableAddress: BigInt(view.getUint32(0x18, true)),
    };
  }
  return null;
}

// Little-endian field readers over a structure's bytes. Bytes past the end of
// the structure read as 0 (osquery's size checks keep real reads in range).
export function byteAt(s: SmbiosStructure, offset: number): number {
  return s.raw[offset] ?? 0;
}

export function wordAt(s: SmbiosStructure, offset: number): number {
  return byteAt(s, offset) | (byteAt(s, offset + 1) << 8);
}

export function dwordAt(s: SmbiosStructure, offset: number): number {
  return (wordAt(s, offset) | (wordAt(s, offset + 2) << 16)) >>> 0;
}

export function qwordAt(s: SmbiosStructure, offset: number): bigint {
  return (BigInt(dwordAt(s, offset + 4)) << 32n) | BigInt(dwordAt(s, offset));
}

/** "0x" + lowercase hex zero-padded to `width` digits (osquery's toHexStr). */
export function hex(value: number | bigint, width = 4): string {
  return "0x" + value.toString(16).padStart(width, "0");
}

/**
 * String number `index` (1-based) of the structure's string set, right-trimmed
 * as osquery does; "" for index 0, a missing string, or a corrupt string set
 * (one that does not end in NUL).
 */
export function dmiString(s: SmbiosStructure, index: number): string {
  const area = s.raw.subarray(s.length);
  if (index === 0 || area.length === 0 || area[area.length - 1] !== 0) return "";
  let start = 0;
  for (let i = 1; i < index; i++) {
    const nul = area.indexOf(0, start);
    if (nul < 0 || nul + 1 >= area.length) return "";
    start = nul + 1;
  }
  const nul = area.indexOf(0, start);
  const bytes = area.subarray(start, nul < 0 ? area.length : nul);
  return new TextDecoder("latin1").decode(bytes).replace(/\s+$/, "");
}

/** The string whose number is stored in the byte at `offset`. */
export function dmiStringAt(s: SmbiosStructure, offset: number): string {
  return dmiString(s, byteAt(s, offset));
}

/** Names of the set bits of `bits`, space separated, from a bit-number table. */
export function bitFieldNames(bits: number, names: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if (bits & (1 << i)) out.push(names[i]!);
  return out.join(" ");
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** Total size of a structure (formatted area + string set), osquery's `size`. */
export function structureSize(s: SmbiosStructure): number {
  return s.raw.length;
}
