// selinux_settings: the SELinux state exposed by selinuxfs (found through
// /proc/mounts; no rows when it is not mounted).
//
// As osquery: the root keys checkreqprot, deny_unknown, enforce, mls,
// policyvers and reject_unknown always get a row (scope ""), with the file's
// raw text as value; every file under booleans/ (value "on" for "1 1", "off"
// for "0 0"; other states are skipped), policy_capabilities/ and
// initial_contexts/ gives a row in that scope keyed by file name; and each
// file under class/ except "index" gives a row in scope "class" whose key is
// its directory below class/ and whose value is its name
// (class/file/perms/read → key "file/perms", value "read").
import { readdirSync, statSync } from "node:fs";
import { compareBytes } from "../../src/linux/glob.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { parseMounts } from "./mounts.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

const ROOT_KEYS = ["checkreqprot", "deny_unknown", "enforce", "mls", "policyvers", "reject_unknown"];
const SCOPES = ["booleans", "policy_capabilities", "initial_contexts"];

export default defineTable({
  name: "selinux_settings",
  columns: {
    scope: "TEXT",
    key: "TEXT",
    value: "TEXT",
  },
  generate() {
    const mount = parseMounts(readText("/proc/mounts") ?? "").find((m) => m.type === "selinuxfs");
    return mount ? selinuxSettings(mount.path) : [];
  },
});

export function selinuxSettings(fsPath: string): Row[] {
  const rows: Row[] = [];
  for (const key of ROOT_KEYS) {
    rows.push({ scope: "", key, value: readText(`${fsPath}/${key}`) ?? undefined });
  }
  for (const scope of SCOPES) {
    for (const file of filesUnder(`${fsPath}/${scope}`)) {
      const key = file.slice(file.lastIndexOf("/") + 1);
      const raw = readText(file);
      if (raw === null) continue;
      if (scope === "booleans") {
        const value = raw === "1 1" ? "on" : raw === "0 0" ? "off" : null;
        if (value !== null) rows.push({ scope, key, value });
      } else {
        rows.push({ scope, key, value: raw });
      }
    }
  }
  const classRoot = `${fsPath}/class`;
  for (const file of filesUnder(classRoot)) {
    const cut = file.lastIndexOf("/");
    const value = file.slice(cut + 1);
    if (value === "index" || cut <= classRoot.length) continue;
    rows.push({ scope: "class", key: file.slice(classRoot.length + 1, cut), value });
  }
  return rows;
}

/** Every non-directory below `dir`, breadth by level, each level sorted (osquery's `dir/**` glob). */
function filesUnder(dir: string): string[] {
  const files: string[] = [];
  let level = [dir];
  while (level.length > 0) {
    const next: string[] = [];
    const found: string[] = [];
    for (const d of level) {
      let names: string[];
      try {
        names = readdirSync(d);
      } catch (e) {
        logUnreadable("selinux_settings.ts", d, e);
        continue;
      }
      for (const n of names) if (!n.startsWith(".")) found.push(`${d}/${n}`);
    }
    for (const p of found.sort(compareBytes)) {
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        // Unreadable: treated as a file, whose read then fails and is logged.
        // unreadable: treat as a file, which then fails to read
      }
      (isDir ? next : files).push(p);
    }
    level = next;
  }
  return files;
}
