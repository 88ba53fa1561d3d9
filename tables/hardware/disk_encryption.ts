// disk_encryption: which block devices are dm-crypt (LUKS/plain) mappings.
//
// osquery asks libcryptsetup whether each block device is an active crypt
// mapping, and for its type, cipher and mode. Here the kernel answers the
// first two: a device-mapper device whose dm/uuid starts with "CRYPT-<TYPE>-"
// is an active crypt target of that type; the cipher and mode come from the
// LUKS header of the device underneath (slaves/). A plain dm-crypt mapping has
// no header, so its type is just "PLAIN" (its cipher lives only in the dm
// table, which needs a device-mapper ioctl).
import { basename } from "node:path";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { listDir, readAttr } from "../../src/linux/udev.ts";
import { readAt, withFile } from "../../src/linux/fs.ts";
import { enumerateBlockDevices } from "./block_devices.ts";
import { verbose } from "../../src/logger/glog.ts";

export default defineTable({
  name: "disk_encryption",
  columns: {
    name: "TEXT index",
    uuid: "TEXT collate=nocase",
    encrypted: "INTEGER",
    type: "TEXT",
    encryption_status: "TEXT",
    uid: "TEXT platform",
    user_uuid: "TEXT platform",
    filevault_status: "TEXT platform",
  },
  generate(ctx: QueryContext) {
    // osquery reports nothing unless it runs as root (libcryptsetup needs it).
    if (process.getuid?.() !== 0) {
      verbose("disk_encryption.cpp", "Not running as root, disk encryption status not available");
      return [];
    }
    // A named device comes with its parents, in name order (osquery/tables/system/linux/disk_encryption.cpp).
    const devices = enumerateBlockDevices({ names: ctx.equals("name"), includeParents: true });
    return diskEncryptionRows(devices, (name) => cryptMapping(name));
  },
});

export interface CryptMapping {
  /** "LUKS2-aes-xts-plain64", or just "PLAIN"/"LUKS1" when the cipher is unknown. */
  readonly type: string;
}

export interface BlockDeviceRef {
  readonly name: string;
  readonly uuid: string;
  readonly parent: string;
}

/**
 * One row per device, in the order given: a crypt mapping is encrypted; any
 * other device takes the status of its parent (found recursively), else is
 * not encrypted.
 */
export function diskEncryptionRows(devices: readonly BlockDeviceRef[], lookup: (name: string) => CryptMapping | null): Row[] {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const status = new Map<string, Row>();
  const statusOf = (d: BlockDeviceRef): Row => {
    const known = status.get(d.name);
    if (known) return known;
    const r: Row = { name: d.name, uuid: d.uuid, encrypted: 0, encryption_status: "not encrypted", type: "" };
    status.set(d.name, r);
    const mapping = lookup(d.name);
    if (mapping) {
      r.encrypted = 1;
      r.encryption_status = "encrypted";
      r.type = mapping.type;
    } else {
      // osquery copies the status of a parent outside the device set (an NVMe
      // namespace's "/dev/nvme0") from an empty row, giving "" and NULL; osq
      // keeps such a device "not encrypted".
      const parent = d.parent === "" ? undefined : byName.get(d.parent);
      if (parent) {
        const p = statusOf(parent);
        r.encrypted = p.encrypted;
        r.encryption_status = p.encryption_status;
        r.type = p.type;
      }
    }
    return r;
  };
  return devices.map(statusOf);
}

/** dm/uuid of a crypt target: "CRYPT-LUKS2-<uuid hex>-<name>", "CRYPT-PLAIN-<name>". */
export function cryptTypeFromDmUuid(dmUuid: string): string | null {
  const m = dmUuid.match(/^CRYPT-([A-Za-z0-9]+)-/);
  return m ? m[1]! : null;
}

export interface LuksCipher {
  readonly cipher: string;
  readonly mode: string;
}

/**
 * The cipher and mode in a LUKS header: LUKS1 stores them as two strings at
 * 8 and 40; LUKS2 keeps "aes-xts-plain64" in its JSON area (segment
 * "encryption"), which splits at the first dash as libcryptsetup does.
 */
export function parseLuksCipher(header: Uint8Array): LuksCipher | null {
  const text = (start: number, len: number) => {
    const f = header.subarray(start, start + len);
    const nul = f.indexOf(0);
    return Buffer.from(nul < 0 ? f : f.subarray(0, nul)).toString("latin1");
  };
  if (header.length < 208 || text(0, 4) !== "LUKS" || header[4] !== 0xba || header[5] !== 0xbe) return null;
  const version = (header[6]! << 8) | header[7]!;
  if (version === 1) return { cipher: text(8, 32), mode: text(40, 32) };
  if (version !== 2 || header.length <= 4096) return null;
  const json = text(4096, header.length - 4096);
  try {
    const meta = JSON.parse(json) as { segments?: Record<string, { encryption?: string }> };
    const segments = Object.keys(meta.segments ?? {}).sort((a, b) => Number(a) - Number(b));
    const enc = segments.map((k) => meta.segments![k]!.encryption).find((e) => typeof e === "string");
    if (!enc) return null;
    const dash = enc.indexOf("-");
    return dash < 0 ? { cipher: enc, mode: "" } : { cipher: enc.slice(0, dash), mode: enc.slice(dash + 1) };
  } catch (e) {
    verbose("disk_encryption.ts", `LUKS2 metadata does not parse: ${(e as Error).message}`);
    return null;
  }
}

function readHead(path: string, length: number): Uint8Array | null {
  return withFile(path, (fd) => readAt(fd, 0, length));
}

/** The crypt mapping behind a device node ("/dev/dm-0"), or null when it is not one. */
export function cryptMapping(name: string, sysClassBlock = "/sys/class/block", devDir = "/dev"): CryptMapping | null {
  const dev = basename(name);
  const dmUuid = readAttr(`${sysClassBlock}/${dev}/dm/uuid`);
  const type = dmUuid === null ? null : cryptTypeFromDmUuid(dmUuid);
  if (type === null) return null;
  if (type.startsWith("LUKS")) {
    for (const slave of listDir(`${sysClassBlock}/${dev}/slaves`)) {
      // LUKS2's JSON area follows the 4 KiB binary header; 16 KiB covers the default.
      const head = readHead(`${devDir}/${slave}`, 4096 + 12288);
      const c = head && parseLuksCipher(head);
      if (c) return { type: [type, c.cipher, c.mode].filter((x) => x !== "").join("-") };
    }
  }
  return { type };
}
