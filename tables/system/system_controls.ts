// system_controls: every sysctl under /proc/sys, with the value configured in
// the sysctl config files.
//
// As osquery on Linux: name is the path below /proc/sys with "/" as "."; the
// walk lists each directory's subdirectories first (recursively) and then its
// files, both sorted, skipping hidden entries; current_value is the file's
// text, trimmed: NULL when access(2) denies reading (write-only controls),
// "" when access allows it but the read fails (stable_secret before one is
// set answers EIO), as osquery's isReadable then readFile do; subsystem
// is the first name component; oid is empty (Linux has no numeric MIBs, so an
// `oid =` constraint finds nothing) and type is always "string".
// config_value comes from /etc/sysctl.conf, then /run, /etc, /usr/local/lib,
// /usr/lib and /lib sysctl.d/*.conf, a later file overriding an earlier one;
// only "key = value" lines with exactly one "=" count.
// A `name =` constraint reads just that control (or that subtree); a
// `subsystem =` constraint walks only that top-level directory.
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import { GLOB_FILES, resolveFilePattern } from "../../src/linux/glob.ts";
import { verbose } from "../../src/logger/glog.ts";
import { readText } from "../../src/linux/proc.ts";
import { Op, defineTable, type Row } from "../../src/table.ts";
import { osquerySplit } from "../../src/linux/split.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export const PROC_SYS = "/proc/sys/";
const CONFIG_FILES = ["/etc/sysctl.conf"];
const CONFIG_PATTERNS = [
  "/run/sysctl.d/%.conf",
  "/etc/sysctl.d/%.conf",
  "/usr/local/lib/sysctl.d/%.conf",
  "/usr/lib/sysctl.d/%.conf",
  "/lib/sysctl.d/%.conf",
];

export default defineTable({
  name: "system_controls",
  columns: {
    name: "TEXT index",
    oid: "TEXT additional",
    subsystem: "TEXT additional",
    current_value: "TEXT",
    config_value: "TEXT",
    type: "TEXT",
    field_name: "TEXT platform",
  },
  generate(ctx) {
    const config = readSysctlConfig();
    const rows: Row[] = [];
    if (ctx.hasConstraint("name", Op.EQUALS)) {
      for (const name of ctx.equals("name")) walkControl(PROC_SYS + name.replaceAll(".", "/"), config, rows);
    } else if (ctx.hasConstraint("oid", Op.EQUALS)) {
      // sysctl(2) by numeric MIB does not exist on modern Linux.
    } else {
      const only = new Set(ctx.equals("subsystem"));
      for (const sub of sortedEntries(PROC_SYS).dirs) {
        if (only.size > 0 && !only.has(sub)) continue;
        walkControl(PROC_SYS + sub, config, rows);
      }
    }
    return rows;
  },
});

function walkControl(path: string, config: ReadonlyMap<string, string>, rows: Row[]): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // Cannot stat it: treated as a control file, whose read then says why.
    isDir = false;
  }
  if (isDir) {
    const { dirs, files } = sortedEntries(path);
    for (const d of dirs) walkControl(`${path}/${d}`, config, rows);
    for (const f of files) walkControl(`${path}/${f}`, config, rows);
    return;
  }
  // Each "/" becomes one "." (std::replace), so "a//b" names "a..b".
  const name = path.slice(PROC_SYS.length).replaceAll("/", ".");
  let current: string | undefined;
  try {
    accessSync(path, constants.R_OK);
    try {
      current = readFileSync(path, "utf8").trim();
    } catch (e) {
      verbose("system_controls.ts", `Failed to read ${path}: ${(e as Error).message}`);
      current = "";
    }
  } catch {
    current = undefined;
  }
  rows.push({
    name,
    subsystem: osquerySplit(name, ".")[0],
    current_value: current,
    config_value: config.get(name),
    type: "string",
  });
}

function sortedEntries(dir: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    logUnreadable("system_controls.ts", dir, e);
    return { dirs, files };
  }
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue;
    try {
      (statSync(`${dir}/${name}`).isDirectory() ? dirs : files).push(name);
    } catch {
      // Cannot stat it: listed as a file, whose read then says why.
      files.push(name);
    }
  }
  return { dirs, files };
}

/** Every configured "key = value", later files overriding earlier ones. */
export function readSysctlConfig(): Map<string, string> {
  const config = new Map<string, string>();
  const paths = [...CONFIG_FILES];
  for (const pattern of CONFIG_PATTERNS) for (const item of resolveFilePattern(pattern, GLOB_FILES)) paths.push(item);
  for (const path of paths) {
    const text = readText(path);
    if (text !== null) parseSysctlConf(text, config);
  }
  return config;
}

export function parseSysctlConf(text: string, into: Map<string, string> = new Map()): Map<string, string> {
  for (const line of osquerySplit(text, "\n")) {
    if (line.startsWith("#") || line.startsWith(";")) continue;
    const kv = osquerySplit(line, "=");
    if (kv.length === 2) into.set(kv[0] as string, kv[1] as string);
  }
  return into;
}
