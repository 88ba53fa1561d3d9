// libmagic (file(1)'s library) through bun:ffi, for the magic table. A cookie
// is opened per call and closed again; null means libmagic is not installed
// or the databases could not be loaded.
import { CString, dlopen, FFIType, ptr, type Pointer } from "bun:ffi";
import { verbose } from "../logger/glog.ts";

export const MAGIC_NONE = 0x0;
export const MAGIC_MIME_TYPE = 0x10;
export const MAGIC_MIME_ENCODING = 0x400;

function openLibmagic() {
  return dlopen("libmagic.so.1", {
    magic_open: { args: [FFIType.i32], returns: FFIType.ptr },
    magic_close: { args: [FFIType.ptr], returns: FFIType.void },
    magic_load: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    magic_file: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
    magic_setflags: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  });
}

type Lib = ReturnType<typeof openLibmagic>;
let lib: Lib | null | undefined;

function getLib(): Lib | null {
  if (lib === undefined) {
    try {
      lib = openLibmagic();
    } catch (e) {
      verbose("libmagic.ts", `libmagic cannot be opened, magic columns stay empty: ${(e as Error).message}`);
      lib = null;
    }
  }
  return lib;
}

export function libmagicAvailable(): boolean {
  return getLib() !== null;
}

export interface MagicResult {
  readonly data?: string;
  readonly mimeType?: string;
  readonly mimeEncoding?: string;
}

/**
 * Describes each path three ways (file(1)'s text, MIME type, MIME encoding)
 * with the ":"-separated database list `dbFiles`; null when libmagic is
 * missing or none of the databases loads.
 */
export function describeFiles(paths: readonly string[], dbFiles: string): MagicResult[] | null {
  const m = getLib();
  if (!m) return null;
  const cookie = m.symbols.magic_open(MAGIC_NONE);
  if (!cookie) return null;
  try {
    const db = Buffer.from(`${dbFiles}\0`);
    if (m.symbols.magic_load(cookie, ptr(db)) !== 0) return null;
    const ask = (path: Buffer, flags: number): string | undefined => {
      m.symbols.magic_setflags(cookie, flags);
      const out = m.symbols.magic_file(cookie, ptr(path));
      return out ? new CString(out as Pointer).toString() : undefined;
    };
    return paths.map((p) => {
      const path = Buffer.from(`${p}\0`);
      return { data: ask(path, MAGIC_NONE), mimeType: ask(path, MAGIC_MIME_TYPE), mimeEncoding: ask(path, MAGIC_MIME_ENCODING) };
    });
  } finally {
    m.symbols.magic_close(cookie);
  }
}
