// apparmor_profiles: the loaded AppArmor profiles, from securityfs
// (/sys/kernel/security/apparmor/policy/profiles/<dir>/{name,mode,attach,sha1,sha256}).
//
// As osquery: nested profiles (a profile's "profiles" subdirectory) are
// reported with path "<parent name>//<name>", aa-status style; a profile
// whose name, mode or attach cannot be read is skipped; the walk is
// depth-first from the last directory, as osquery's work stack runs. The
// kernel offers sha1 or sha256 depending on its version: sha256 is read, sha1
// only when there is no sha256, the other column is "", and a profile with
// neither is skipped (apparmor_profiles.cpp).
import { existsSync, statSync } from "node:fs";
import { compareBytes } from "../../src/linux/glob.ts";
import { verbose } from "../../src/logger/glog.ts";
import { readText } from "../../src/linux/proc.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { listDir } from "../../src/linux/fs.ts";

export const APPARMOR_PROFILES = "/sys/kernel/security/apparmor/policy/profiles";

export default defineTable({
  name: "apparmor_profiles",
  columns: {
    path: "TEXT index",
    name: "TEXT",
    attach: "TEXT",
    mode: "TEXT",
    sha1: "TEXT collate=nocase",
    sha256: "TEXT collate=nocase",
  },
  generate() {
    return apparmorProfiles(APPARMOR_PROFILES);
  },
});

export function apparmorProfiles(profilesDir: string): Row[] {
  if (!existsSync(profilesDir)) return [];
  const rows: Row[] = [];
  const stack: Array<[parent: string, dir: string]> = subdirs(profilesDir).map((d) => ["", d]);
  while (stack.length > 0) {
    const [parent, dir] = stack.pop() as [string, string];
    const read = (f: string) => readText(`${dir}/${f}`)?.trim();
    const attach = read("attach");
    const mode = read("mode");
    const name = read("name");
    const sha256 = read("sha256");
    const sha1 = sha256 === undefined ? read("sha1") : "";
    if (name === undefined || mode === undefined || attach === undefined || sha1 === undefined) {
      verbose("apparmor_profiles.ts", `Failed to open the AppArmor profile ${dir}: attach, mode, name and sha256 or sha1 are needed`);
      continue;
    }
    if (existsSync(`${dir}/profiles`)) for (const item of subdirs(`${dir}/profiles`).map((d): [string, string] => [name, d])) stack.push(item);
    rows.push({ path: parent ? `${parent}//${name}` : name, name, attach, mode, sha1, sha256: sha256 ?? "" });
  }
  return rows;
}

function subdirs(dir: string): string[] {
  return listDir(dir)
    .filter((n) => !n.startsWith("."))
    .sort(compareBytes)
    .map((n) => `${dir}/${n}`)
    .filter((p) => {
      try {
        return statSync(p).isDirectory();
      } catch {
        // Vanished since the directory was listed: not a profile directory.
        return false;
      }
    });
}
