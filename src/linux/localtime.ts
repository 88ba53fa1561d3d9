// The local time zone's abbreviation as libc prints it (strftime "%Z" after
// localtime_r), e.g. "UTC", "CET", "IST". JavaScript's Intl names zones
// differently ("GMT+1"), and osquery reports libc's spelling, so osq asks libc
// itself through bun:ffi; it honours TZ and /etc/localtime exactly as libc does.
import { dlopen, FFIType, ptr } from "bun:ffi";

function openLibc() {
  return dlopen("libc.so.6", {
    localtime_r: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
    strftime: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.ptr], returns: FFIType.u64 },
    tzset: { args: [], returns: FFIType.void },
  });
}

type Libc = ReturnType<typeof openLibc>;
let libc: Libc | null | undefined;

function getLibc(): Libc | null {
  if (libc === undefined) {
    try {
      libc = openLibc();
      libc.symbols.tzset();
    } catch {
      libc = null;
    }
  }
  return libc;
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
  if (!lib.symbols.localtime_r(ptr(t), ptr(tm))) return null;
  const out = new Uint8Array(Math.max(bufferSize, 1));
  const n = Number(lib.symbols.strftime(ptr(out), out.length, ptr(FORMAT_Z), ptr(tm)));
  return Buffer.from(out.subarray(0, n)).toString("utf8");
}
