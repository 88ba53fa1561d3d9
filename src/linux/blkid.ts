// Filesystem superblock probing: the TYPE, UUID and LABEL that libblkid
// reports for a block device (or image file), for the common Linux formats.
// osquery uses libblkid's "safe probe" of superblocks; this reads the same
// on-disk fields directly. Formats not listed here probe as unknown (null).
import { withFile, readAt } from "./fs.ts";

export interface ProbeResult {
  readonly type: string;
  readonly uuid?: string;
  readonly label?: string;
}

/** Reads `length` bytes at `offset` (fewer at the end of the device). */
export type ByteReader = (offset: number, length: number) => Uint8Array;

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

function ascii(buf: Uint8Array, start: number, length: number): string {
  return latin1.decode(buf.subarray(start, start + length));
}

/** A NUL-terminated (or full-width) string field. */
function cString(buf: Uint8Array, start: number, length: number, decoder = utf8): string {
  const field = buf.subarray(start, start + length);
  const nul = field.indexOf(0);
  return decoder.decode(nul < 0 ? field : field.subarray(0, nul));
}

/** 16 raw bytes as the canonical 8-4-4-4-12 lowercase UUID. */
export function formatUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const allZero = (b: Uint8Array) => b.every((x) => x === 0);

function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function u32le(b: Uint8Array, o: number): number {
  return (u16le(b, o) | (u16le(b, o + 2) << 16)) >>> 0;
}

function withLabel(type: string, uuid: string | undefined, label: string | undefined): ProbeResult {
  const r: { type: string; uuid?: string; label?: string } = { type };
  if (uuid) r.uuid = uuid;
  if (label) r.label = label;
  return r;
}

// ext2/3/4: superblock at 1024, magic 0xEF53 at +0x38.
function probeExt(read: ByteReader): ProbeResult | null {
  const sb = read(1024, 1024);
  if (sb.length < 0x100 || u16le(sb, 0x38) !== 0xef53) return null;
  const compat = u32le(sb, 0x5c);
  const incompat = u32le(sb, 0x60);
  const roCompat = u32le(sb, 0x64);
  const HAS_JOURNAL = 0x4;
  const JOURNAL_DEV = 0x8;
  let type: string;
  if (incompat & JOURNAL_DEV) type = "jbd";
  // ext2 allows only sparse_super|large_file|btree_dir and filetype|meta_bg.
  else if (!(compat & HAS_JOURNAL) && (roCompat & ~0x7) === 0 && (incompat & ~0x12) === 0) type = "ext2";
  // ext3 adds the journal and needs_recovery, nothing else.
  else if (compat & HAS_JOURNAL && (roCompat & ~0x7) === 0 && (incompat & ~0x16) === 0) type = "ext3";
  else type = "ext4";
  const uuid = sb.subarray(0x68, 0x78);
  return withLabel(type, allZero(uuid) ? undefined : formatUuid(uuid), cString(sb, 0x78, 16));
}

// XFS: "XFSB" at 0, uuid at 32, 12-byte label at 108.
function probeXfs(read: ByteReader): ProbeResult | null {
  const sb = read(0, 512);
  if (sb.length < 120 || ascii(sb, 0, 4) !== "XFSB") return null;
  return withLabel("xfs", formatUuid(sb.subarray(32, 48)), cString(sb, 108, 12));
}

// Btrfs: superblock at 64 KiB, magic "_BHRfS_M" at +0x40, fsid at +0x20, label at +0x12b.
function probeBtrfs(read: ByteReader): ProbeResult | null {
  const sb = read(0x10000, 0x300);
  if (sb.length < 0x22b || ascii(sb, 0x40, 8) !== "_BHRfS_M") return null;
  return withLabel("btrfs", formatUuid(sb.subarray(0x20, 0x30)), cString(sb, 0x12b, 256));
}

// Swap: signature in the last 10 bytes of the first page; uuid/label in the v1 header at 1024.
function probeSwap(read: ByteReader): ProbeResult | null {
  for (const page of [4096, 8192, 16384, 32768, 65536]) {
    const sig = ascii(read(page - 10, 10), 0, 10);
    if (sig === "SWAPSPACE2") {
      const hdr = read(1024, 64);
      const uuid = hdr.subarray(0x0c, 0x1c);
      return withLabel("swap", allZero(uuid) ? undefined : formatUuid(uuid), cString(hdr, 0x1c, 16));
    }
    if (sig === "SWAP-SPACE") return { type: "swap" };
  }
  return null;
}

// LUKS1/LUKS2: "LUKS\xba\xbe", version (BE) at 6; uuid text at 168; LUKS2 label at 24.
function probeLuks(read: ByteReader): ProbeResult | null {
  const hdr = read(0, 512);
  if (hdr.length < 208 || ascii(hdr, 0, 6) !== "LUKS\xba\xbe") return null;
  const version = (hdr[6]! << 8) | hdr[7]!;
  const uuid = cString(hdr, 168, 40);
  return withLabel("crypto_LUKS", uuid, version === 2 ? cString(hdr, 24, 48) : undefined);
}

// LVM2 physical volume: "LABELONE" in one of the first four sectors, "LVM2 001"
// at +0x18, the 32-character PV id at the offset stored at +0x14.
function probeLvm2(read: ByteReader): ProbeResult | null {
  const head = read(0, 2048);
  for (let sector = 0; sector < 4; sector++) {
    const o = sector * 512;
    if (head.length < o + 512 || ascii(head, o, 8) !== "LABELONE" || ascii(head, o + 0x18, 8) !== "LVM2 001") continue;
    const idAt = o + u32le(head, o + 0x14);
    const id = ascii(head, idAt, 32);
    // LVM prints PV ids in groups of 6-4-4-4-4-4-6.
    const uuid = [id.slice(0, 6), id.slice(6, 10), id.slice(10, 14), id.slice(14, 18), id.slice(18, 22), id.slice(22, 26), id.slice(26, 32)].join("-");
    return { type: "LVM2_member", uuid };
  }
  return null;
}

// ISO 9660: primary volume descriptor at 32 KiB ("\x01CD001"); label is the
// volume id; blkid's UUID is the creation time digits with dashes.
function probeIso9660(read: ByteReader): ProbeResult | null {
  const pvd = read(0x8000, 2048);
  if (pvd.length < 830 || ascii(pvd, 1, 5) !== "CD001") return null;
  const label = ascii(pvd, 40, 32).replace(/[ \0]+$/, "");
  const t = ascii(pvd, 813, 16);
  const uuid = /^\d{16}$/.test(t) && t !== "0000000000000000"
    ? `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}-${t.slice(8, 10)}-${t.slice(10, 12)}-${t.slice(12, 14)}-${t.slice(14, 16)}`
    : undefined;
  return withLabel("iso9660", uuid, label);
}

// SquashFS: "hsqs" at 0; no uuid or label.
function probeSquashfs(read: ByteReader): ProbeResult | null {
  const sb = read(0, 4);
  return sb.length === 4 && ascii(sb, 0, 4) === "hsqs" ? { type: "squashfs" } : null;
}

// FAT (vfat): boot sector with 0x55AA and a FAT12/16/32 file system type string;
// the serial number prints as XXXX-XXXX; the boot sector label, unless "NO NAME".
function probeVfat(read: ByteReader): ProbeResult | null {
  const bs = read(0, 512);
  if (bs.length < 512 || bs[510] !== 0x55 || bs[511] !== 0xaa) return null;
  let idAt: number;
  if (ascii(bs, 82, 8) === "FAT32   ") idAt = 67;
  else if (/^FAT1[26]   $/.test(ascii(bs, 54, 8)) || ascii(bs, 54, 8) === "FAT     ") idAt = 39;
  else return null;
  const id = bs.subarray(idAt, idAt + 4);
  const uuid = Buffer.from([id[3]!, id[2]!, id[1]!, id[0]!]).toString("hex").toUpperCase();
  const label = ascii(bs, idAt + 4, 11).replace(/ +$/, "");
  return withLabel("vfat", `${uuid.slice(0, 4)}-${uuid.slice(4)}`, label === "NO NAME" ? undefined : label);
}

// NTFS: "NTFS    " OEM id at 3; volume serial (8 bytes LE) at 0x48 printed as 16 hex digits.
function probeNtfs(read: ByteReader): ProbeResult | null {
  const bs = read(0, 512);
  if (bs.length < 0x50 || ascii(bs, 3, 8) !== "NTFS    ") return null;
  const serial = Buffer.from(bs.subarray(0x48, 0x50)).reverse().toString("hex").toUpperCase();
  return { type: "ntfs", uuid: serial };
}

const PROBES = [probeLuks, probeLvm2, probeXfs, probeBtrfs, probeExt, probeSquashfs, probeIso9660, probeNtfs, probeVfat, probeSwap];

/**
 * The one filesystem signature found; null when none or when two formats
 * claim the device (libblkid's safe probe refuses ambiguous results too).
 */
export function probeFilesystem(read: ByteReader): ProbeResult | null {
  const found: ProbeResult[] = [];
  for (const probe of PROBES) {
    const r = probe(read);
    if (r) found.push(r);
  }
  // ISO images may carry other signatures in the system area; ISO wins as in blkid.
  if (found.length > 1) return found.find((r) => r.type === "iso9660") ?? null;
  return found[0] ?? null;
}

/** Probes a device node or image file; null when unreadable or unrecognized. */
export function probePath(path: string): ProbeResult | null {
  return withFile(path, (fd) => probeFilesystem((offset, length) => readAt(fd, offset, length)));
}
