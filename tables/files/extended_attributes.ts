// extended_attributes: the xattrs of paths named by `path` (=, IN, LIKE).
//
// As osquery on Linux: file capabilities come first, decoded by libcap
// (key "security.capability", its text form); the raw security.capability
// attribute is then omitted, unless libcap could not decode it. A value is
// shown as text (base64 = 0) only when it is NUL-terminated and every byte
// before the NUL is printable ASCII; anything else, including an empty value,
// is base64-encoded with base64 = 1. Missing paths yield nothing.
//
// osquery's Linux implementation (tables/system/linux/extended_attributes.cpp)
// ignores `directory`, though the spec makes it a required column; osq honours it
// (=, IN, LIKE), listing the non-hidden, non-directory entries one level down,
// as osquery's older POSIX implementation did.
import { statSync } from "node:fs";
import { GLOB_ALL, GLOB_FOLDERS, GLOB_NO_CANON, boostParentPath, compareBytes, expandPathConstraints, joinPath } from "../../src/linux/glob.ts";
import { fileCapabilitiesText, getXattr, listXattrs } from "../../src/linux/xattr.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { listDir } from "../../src/linux/fs.ts";

const CAPABILITY = "security.capability";

export default defineTable({
  name: "extended_attributes",
  columns: {
    path: "TEXT required optimized",
    directory: "TEXT required optimized",
    key: "TEXT",
    value: "TEXT",
    base64: "INTEGER",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const path of expandPathConstraints(ctx, "path", GLOB_ALL | GLOB_NO_CANON)) {
      for (const item of xattrRows(path, boostParentPath(path))) rows.push(item);
    }
    for (const dir of expandPathConstraints(ctx, "directory", GLOB_FOLDERS | GLOB_NO_CANON)) {
      for (const name of listEntries(dir)) for (const item of xattrRows(joinPath(dir, name), dir)) rows.push(item);
    }
    return rows;
  },
});

/** The rows for one path; [] when its attributes cannot be listed. */
export function xattrRows(path: string, directory: string): Row[] {
  const names = listXattrs(path);
  if (names === null) return [];
  const rows: Row[] = [];
  const caps = fileCapabilitiesText(path);
  if (caps) rows.push({ path, directory, key: CAPABILITY, value: caps, base64: 0 });
  for (const key of names) {
    if (key === CAPABILITY && caps !== null) continue;
    const raw = getXattr(path, key);
    if (raw === null) return rows;
    rows.push({ path, directory, key, ...formatXattrValue(raw) });
  }
  return rows;
}

/** osquery's printable-or-base64 rule for one attribute value. */
export function formatXattrValue(raw: Uint8Array): { value: string; base64: number } {
  if (raw.length === 0) return { value: "", base64: 1 };
  if (raw[raw.length - 1] !== 0) return { value: Buffer.from(raw).toString("base64"), base64: 1 };
  const body = raw.subarray(0, raw.length - 1);
  const printable = body.every((b) => b >= 0x20 && b <= 0x7e);
  return printable
    ? { value: Buffer.from(body).toString("latin1"), base64: 0 }
    : { value: Buffer.from(body).toString("base64"), base64: 1 };
}

/** Non-hidden, non-directory entries of `dir`, sorted (glob's `dir/*` with GLOB_FILES). */
function listEntries(dir: string): string[] {
  return listDir(dir)
    .filter((name) => {
      if (name.startsWith(".")) return false;
      try {
        return !statSync(joinPath(dir, name)).isDirectory();
      } catch {
        // Cannot stat it: keep it, and reading its attributes says why (or finds none).
        return true;
      }
    })
    .sort(compareBytes);
}
