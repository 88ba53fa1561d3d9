// Extended attributes and file capabilities. Node and Bun have no xattr API,
// so this calls libc's listxattr/getxattr (which follow symlinks, as osquery's
// calls do) and libcap's cap_get_file/cap_to_text through bun:ffi. Every
// function returns null instead of throwing when the library or the path is
// unavailable.
import { CString, dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { verbose } from "../logger/glog.ts";
import { errno, libc, type Libc } from "./libc.ts";

const ENODATA = 61;

type Libcap = ReturnType<typeof openLibcap>;

function openLibcap() {
  return dlopen("libcap.so.2", {
    cap_get_file: { args: [FFIType.ptr], returns: FFIType.ptr },
    cap_to_text: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
    cap_free: { args: [FFIType.ptr], returns: FFIType.i32 },
  });
}

let libcap: Libcap | null | undefined;

function getLibcap(): Libcap | null {
  if (libcap === undefined) {
    try {
      libcap = openLibcap();
    } catch (e) {
      verbose("xattr.ts", `libcap.so.2 cannot be opened, file capabilities are not read: ${(e as Error).message}`);
      libcap = null;
    }
  }
  return libcap;
}

function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`, "utf8");
}

/** The attribute names of `path`, or null when they cannot be listed (missing file, no support). */
export function listXattrs(path: string): string[] | null {
  const lib = libc();
  if (!lib) return null;
  const p = cstr(path);
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = Number(lib.listxattr(ptr(p), null, 0));
    if (size < 0) return null;
    if (size === 0) return [];
    const buf = new Uint8Array(size);
    const n = Number(lib.listxattr(ptr(p), ptr(buf), size));
    if (n < 0) continue; // the list grew between the calls (ERANGE): ask again
    return parseNameList(buf.subarray(0, n));
  }
  return null;
}

/** Splits listxattr's NUL-separated buffer. */
export function parseNameList(buf: Uint8Array): string[] {
  const names: string[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    names.push(Buffer.from(buf.subarray(start, i)).toString("utf8"));
    start = i + 1;
  }
  return names;
}

/** The raw value of one attribute, or null when it cannot be read. */
export function getXattr(path: string, name: string): Uint8Array | null {
  const lib = libc();
  if (!lib) return null;
  const p = cstr(path);
  const n = cstr(name);
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = Number(lib.getxattr(ptr(p), ptr(n), null, 0));
    if (size < 0) return null;
    if (size === 0) return new Uint8Array(0);
    const buf = new Uint8Array(size);
    const got = Number(lib.getxattr(ptr(p), ptr(n), ptr(buf), size));
    if (got < 0) continue;
    return buf.subarray(0, got);
  }
  return null;
}

/** Sets an attribute (tests use it to build fixtures); true on success. */
export function setXattr(path: string, name: string, value: Uint8Array): boolean {
  const lib = libc();
  if (!lib) return false;
  const p = cstr(path);
  const n = cstr(name);
  const v = value.length > 0 ? value : new Uint8Array(1);
  return lib.setxattr(ptr(p), ptr(n), ptr(v), value.length, 0) === 0;
}

/**
 * libcap's text form of the file's capabilities: "" when the file has none,
 * null when they cannot be decoded (no libcap, unreadable, malformed).
 */
export function fileCapabilitiesText(path: string): string | null {
  const cap = getLibcap();
  const lib = libc();
  if (!cap || !lib) return null;
  const p = cstr(path);
  const handle = cap.symbols.cap_get_file(ptr(p));
  if (!handle) return errno(lib) === ENODATA ? "" : null;
  const text = cap.symbols.cap_to_text(handle, null);
  cap.symbols.cap_free(handle);
  if (!text) return null;
  const out = new CString(text as Pointer).toString();
  cap.symbols.cap_free(text);
  return out;
}
