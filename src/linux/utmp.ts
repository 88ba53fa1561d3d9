// utmp/wtmp login records (/var/run/utmp, /var/log/wtmp), as glibc writes them
// on Linux x86_64 and aarch64: fixed 384-byte `struct utmp` records, host byte
// order (little-endian on every target osq builds for). Shared by
// logged_in_users (utmp) and last (wtmp); anything else that reads login
// records (btmp, lastlog-style tools) can use it too.
import { readFileSync } from "node:fs";
import { logUnreadable } from "./fs.ts";

/** sizeof(struct utmp) with glibc's 64-bit ABI (32-bit ut_tv for file compatibility). */
export const UTMP_SIZE = 384;

/** ut_type values from <utmp.h>. */
export const UtmpType = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;

export interface UtmpRecord {
  readonly type: number;
  readonly pid: number;
  /** Device name without /dev/ (ut_line). */
  readonly line: string;
  /** Terminal suffix or inittab id (ut_id, at most 4 bytes). */
  readonly id: string;
  readonly user: string;
  readonly host: string;
  /** ut_exit: the process's termination and exit status (DEAD_PROCESS). */
  readonly exit: { readonly termination: number; readonly exit: number };
  readonly session: number;
  /** ut_tv.tv_sec: seconds since the epoch (a signed 32-bit field in the file). */
  readonly tv_sec: number;
  readonly tv_usec: number;
  /** ut_addr_v6 as text: IPv4 when only the first word is set, IPv6 otherwise, "" when all zero. */
  readonly addr_v6: string;
}

// Field offsets inside one record.
const OFF = {
  type: 0, // short, then 2 bytes of padding
  pid: 4, // pid_t
  line: 8, // char[32]
  id: 40, // char[4]
  user: 44, // char[32]
  host: 76, // char[256]
  exitTermination: 332, // short
  exitExit: 334, // short
  session: 336, // int32
  tvSec: 340, // int32
  tvUsec: 344, // int32
  addr: 348, // int32[4], network byte order
} as const;

const decoder = new TextDecoder("utf-8");

/** A fixed char[] field: text up to the first NUL (the field need not contain one). */
function cString(buf: Uint8Array, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const nul = field.indexOf(0);
  return decoder.decode(nul < 0 ? field : field.subarray(0, nul));
}

function formatAddr(b: Uint8Array): string {
  const rest = b[4]! | b[5]! | b[6]! | b[7]! | b[8]! | b[9]! | b[10]! | b[11]! | b[12]! | b[13]! | b[14]! | b[15]!;
  if (rest === 0) {
    // Login programs store an IPv4 peer in the first word only.
    if ((b[0]! | b[1]! | b[2]! | b[3]!) === 0) return "";
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  }
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return words.join(":");
}

/** Decodes every whole record in `buf`; a trailing partial record is ignored, as getutent does. */
export function parseUtmp(buf: Uint8Array): UtmpRecord[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: UtmpRecord[] = [];
  for (let base = 0; base + UTMP_SIZE <= buf.byteLength; base += UTMP_SIZE) {
    const rec = buf.subarray(base, base + UTMP_SIZE);
    records.push({
      type: view.getInt16(base + OFF.type, true),
      pid: view.getInt32(base + OFF.pid, true),
      line: cString(rec, OFF.line, 32),
      id: cString(rec, OFF.id, 4),
      user: cString(rec, OFF.user, 32),
      host: cString(rec, OFF.host, 256),
      exit: {
        termination: view.getInt16(base + OFF.exitTermination, true),
        exit: view.getInt16(base + OFF.exitExit, true),
      },
      session: view.getInt32(base + OFF.session, true),
      tv_sec: view.getInt32(base + OFF.tvSec, true),
      tv_usec: view.getInt32(base + OFF.tvUsec, true),
      addr_v6: formatAddr(rec.subarray(OFF.addr, OFF.addr + 16)),
    });
  }
  return records;
}

/** The records of a utmp-format file; [] when it is missing or unreadable. */
export function readUtmp(path: string): UtmpRecord[] {
  try {
    return parseUtmp(readFileSync(path));
  } catch (e) {
    logUnreadable("utmp.ts", path, e);
    return [];
  }
}

/** glibc's _PATH_UTMP and _PATH_WTMP. */
export const UTMP_PATH = "/var/run/utmp";
export const WTMP_PATH = "/var/log/wtmp";
