// The local time zone's abbreviation as libc prints it (strftime "%Z" after
// localtime_r), e.g. "UTC", "CET", "IST". JavaScript's Intl names zones
// differently ("GMT+1"), and osquery reports libc's spelling, so osq asks libc
// itself through bun:ffi; it honours TZ and /etc/localtime exactly as libc does.
import { ptr } from "bun:ffi";
import { libc, type Libc } from "./libc.ts";

let tzsetDone = false;

/** libc with tzset() called once, so localtime_r sees TZ and /etc/localtime. */
function getLibc(): Libc | null {
  const lib = libc();
  if (lib && !tzsetDone) {
    lib.tzset();
    tzsetDone = true;
  }
  return lib;
}

const FORMAT_Z = Buffer.from("%Z\0");

/**
 * strftime("%Z") of the local time at `unixSeconds`, into a buffer of
 * `bufferSize` bytes (NUL included): "" when it does not fit, as strftime
 * then writes nothing. null when libc cannot be reached.
 */
export function localZoneAbbreviation(unixSeconds: number, bufferSize = 64): string | null {
  const lib = getLibc();
  if (!lib) return null;
  const t = new BigInt64Array([BigInt(Math.trunc(unixSeconds))]);
  const tm = new Uint8Array(64); // struct tm is 56 bytes on LP64
  if (!lib.localtime_r(ptr(t), ptr(tm))) return null;
  const out = new Uint8Array(Math.max(bufferSize, 1));
  const n = Number(lib.strftime(ptr(out), out.length, ptr(FORMAT_Z), ptr(tm)));
  return Buffer.from(out.subarray(0, n)).toString("utf8");
}
