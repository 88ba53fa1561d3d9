// apparmor_profiles: the loaded AppArmor profiles, from securityfs
// (/sys/kernel/security/apparmor/policy/profiles/<dir>/{name,mode,attach,sha1,sha256}).
//
// As osquery: nested profiles (a profile's "profiles" subdirectory) are
// reported with path "<parent name>//<name>", aa-status style; a profile
// whose name, mode or attach cannot be read is skipped; the walk is
// depth-first from the last directory, as osquery's work stack runs. The
// kernel offers sha1 or sha256 depending on its version; each is read when
// present.
import { existsSync, statSync } from "node:fs";
import { compareBytes } from "../../src/linux/glob.ts";
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
    const name = read("name");
    const mode = read("mode");
    const attach = read("attach");
    if (name === undefined || mode === undefined || attach === undefined) continue;
    if (existsSync(`${dir}/profiles`)) for (const item of subdirs(`${dir}/profiles`).map((d): [string, string] => [name, d])) stack.push(item);
    rows.push({ path: parent ? `${parent}//${name}` : name, name, attach, mode, sha1: read("sha1"), sha256: read("sha256") });
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
