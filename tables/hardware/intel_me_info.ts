// intel_me_info: the Intel Management Engine firmware version, asked of the
// ME's firmware-update client over the kernel's MEI (HECI) driver.
//
// The exchange osquery makes on /dev/mei0: IOCTL_MEI_CONNECT_CLIENT with the
// update client's GUID (the reply starts with the client's max message
// length and protocol version, which must be 1), then write the 4-byte
// GetFirmwareVersion command (all zero) and read the 56-byte reply, whose
// major.minor.hotfix.build words follow 28 bytes of header. Without the
// device (no ME, no mei driver, not root) there are no rows.
import { existsSync } from "node:fs";
import { ptr } from "bun:ffi";
import { libc } from "../../src/linux/libc.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "intel_me_info",
  columns: {
    version: "TEXT collate=version",
  },
  generate: () => intelMeRows(MEI_DEVICE),
});

export const MEI_DEVICE = "/dev/mei0";

/** _IOWR('H', 0x01, struct mei_connect_client_data): 16 bytes in and out. */
const IOCTL_MEI_CONNECT_CLIENT = 0xc0104801;

/** The ME firmware-update client (MKHI) GUID, in the byte order the driver expects. */
const MEI_UPDATE_GUID = [232, 205, 157, 48, 177, 204, 98, 64, 143, 120, 96, 1, 21, 163, 67, 39];

/** Size of the GetFirmwareVersion reply on Linux. */
export const MEI_VERSION_REPLY_SIZE = 56;

/** The connect reply's protocol version (byte 4, after the u32 max message length). */
export function connectProtocolVersion(reply: Uint8Array): number {
  return reply[4] ?? 0;
}

/** "major.minor.hotfix.build" from a GetFirmwareVersion reply; null when it is short. */
export function parseMeVersion(reply: Uint8Array): string | null {
  if (reply.length < MEI_VERSION_REPLY_SIZE) return null;
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  return [28, 30, 32, 34].map((off) => view.getUint16(off, true)).join(".");
}

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;

export function intelMeRows(device: string): Row[] {
  if (!existsSync(device)) return [];
  const c = libc();
  if (!c) return [];
  const path = Buffer.from(`${device}\0`);
  const fd = c.open(ptr(path), O_RDWR | O_CLOEXEC);
  if (fd < 0) return [];
  try {
    // osquery passes an 18-byte buffer; the driver uses the first 16.
    const connect = new Uint8Array(18);
    connect.set(MEI_UPDATE_GUID);
    if (c.ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, ptr(connect)) === -1) return [];
    if (connectProtocolVersion(connect) !== 1) return [];
    const command = new Uint8Array(4); // GetFirmwareVersion is command 0
    c.write(fd, ptr(command), command.length);
    const reply = new Uint8Array(MEI_VERSION_REPLY_SIZE);
    if (Number(c.read(fd, ptr(reply), reply.length)) !== reply.length) return [];
    const version = parseMeVersion(reply);
    return version === null ? [] : [{ version }];
  } finally {
    c.close(fd);
  }
}
