// libaugeas (Debian's libaugeas0) through bun:ffi, for the augeas table. One
// handle per process, opened on first use as osquery's is (no standard lens
// directory, nothing loaded until asked, never saving); null when the library
// is missing or the handle cannot be set up, with the reason at verbose level.
// The file system root is libaugeas's own: $AUGEAS_ROOT, else "/".
import { CString, dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { ERROR, logToStderr, verbose } from "../logger/glog.ts";
import { libc } from "./libc.ts";

// augeas.h's aug_flags.
const AUG_NO_STDINC = 1 << 3;
const AUG_SAVE_NOOP = 1 << 4;
const AUG_NO_LOAD = 1 << 5;
const AUG_NO_ERR_CLOSE = 1 << 8;
const AUG_NOERROR = 0;

function openLibaugeas() {
  const { ptr: p, i32, u32, void: none } = FFIType;
  return dlopen("libaugeas.so.0", {
    aug_init: { args: [p, p, u32], returns: p },
    aug_close: { args: [p], returns: none },
    aug_load: { args: [p], returns: i32 },
    aug_defvar: { args: [p, p, p], returns: i32 },
    aug_match: { args: [p, p, p], returns: i32 },
    aug_ns_attr: { args: [p, p, i32, p, p, p], returns: i32 },
    aug_error: { args: [p], returns: i32 },
    aug_error_message: { args: [p], returns: p },
  }).symbols;
}

type Aug = ReturnType<typeof openLibaugeas>;

export interface AugeasNode {
  readonly node: string;
  readonly value: string | null;
  readonly label: string | null;
  /** The file the node belongs to, as libaugeas names it ("/files/etc/hosts"); null for none. */
  readonly file: string | null;
}

let handle: { aug: Aug; h: Pointer } | null | undefined;

const cstr = (s: string) => Buffer.from(`${s}\0`);
const text = (p: number | bigint | Pointer | null): string | null => (p ? new CString(Number(p) as Pointer).toString() : null);

function errorMessage(aug: Aug, h: Pointer): string {
  return text(aug.aug_error_message(h)) ?? "unknown error";
}

/** The process's augeas handle, made on the first call with lenses from `lensDir`. */
function augeas(lensDir: string): { aug: Aug; h: Pointer } | null {
  if (handle !== undefined) return handle;
  let aug: Aug;
  try {
    aug = openLibaugeas();
  } catch (e) {
    verbose("augeas.cpp", `libaugeas.so.0 cannot be opened (install Debian's libaugeas0), augeas returns no rows: ${(e as Error).message}`);
    return (handle = null);
  }
  const lenses = cstr(lensDir);
  const h = Number(aug.aug_init(null, ptr(lenses), AUG_NO_ERR_CLOSE | AUG_NO_LOAD | AUG_NO_STDINC | AUG_SAVE_NOOP)) as Pointer;
  if (!h) {
    logToStderr(ERROR, "augeas.cpp", 125, "An error has occurred while trying to initialize augeas");
    return (handle = null);
  }
  if (aug.aug_error(h) !== AUG_NOERROR) {
    logToStderr(ERROR, "augeas.cpp", 131, `An error has occurred while trying to initialize augeas: ${errorMessage(aug, h)}`);
    aug.aug_close(h);
    return (handle = null);
  }
  return (handle = { aug, h });
}

/**
 * Loads every file the lenses cover and returns the nodes matching the
 * augeas path expression `pattern`, in libaugeas's order; null when augeas is
 * unavailable or fails (osquery's error is logged).
 */
export function augeasMatch(lensDir: string, pattern: string): AugeasNode[] | null {
  const a = augeas(lensDir);
  const c = libc();
  if (!a || !c) return null;
  const { aug, h } = a;
  const report = () => logToStderr(ERROR, "augeas.cpp", 30, `An error has occurred while trying to query augeas: ${errorMessage(aug, h)}`);
  if (aug.aug_load(h) !== 0) {
    logToStderr(ERROR, "augeas.cpp", 214, `An error has occurred while trying to load augeas: ${errorMessage(aug, h)}`);
    return null;
  }
  const name = cstr("matches");
  const expr = cstr(pattern);
  if (aug.aug_defvar(h, ptr(name), ptr(expr)) === -1) {
    report();
    return null;
  }
  const out = new BigUint64Array(1);
  const len = aug.aug_match(h, ptr(cstr("$matches")), ptr(out));
  const list = Number(out[0]!) as Pointer;
  if (!list) return [];
  if (len < 0) {
    report();
    return null;
  }
  const nodes: AugeasNode[] = [];
  try {
    const value = new BigUint64Array(1);
    const label = new BigUint64Array(1);
    const file = new BigUint64Array(1);
    for (let i = 0; i < len; i++) {
      const entry = Number(read.ptr(list, i * 8)) as Pointer;
      if (!entry) continue;
      const node = text(entry)!;
      c.free(entry);
      value[0] = 0n;
      label[0] = 0n;
      file[0] = 0n;
      if (aug.aug_ns_attr(h, ptr(name), i, ptr(value), ptr(label), ptr(file)) === -1) {
        report();
        // The remaining entries are still ours to free.
        for (let j = i + 1; j < len; j++) c.free(Number(read.ptr(list, j * 8)) as Pointer);
        return null;
      }
      const filePtr = Number(file[0]!) as Pointer;
      nodes.push({ node, value: text(value[0]!), label: text(label[0]!), file: text(filePtr) });
      if (filePtr) c.free(filePtr);
    }
  } finally {
    c.free(list);
  }
  return nodes;
}
