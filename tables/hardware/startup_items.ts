// startup_items: what starts with the system or a desktop session on Linux:
// XDG autostart entries and scripts (per user and system-wide), SysV init
// scripts in /etc/init.d, and systemd units (with their active state), the
// last only where osquery's D-Bus ListUnits call could be answered.
import { readFileSync, statSync } from "node:fs";
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { readPasswd } from "../../src/linux/passwd.ts";
import { readSystemdUnits, systemdManagerProblem, type SystemdUnit } from "../../src/linux/systemd.ts";
import { comparePaths, listDir, logUnreadable } from "../../src/linux/fs.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export default defineTable({
  name: "startup_items",
  cacheable: true,
  columns: {
    name: "TEXT",
    path: "TEXT",
    args: "TEXT",
    type: "TEXT",
    source: "TEXT",
    status: "TEXT",
    username: "TEXT",
  },
  generate() {
    const rows: Row[] = [];
    // A std::set of paths in osquery's getHomeDirectories (osquery/filesystem/filesystem.cpp): unique, in path order.
    const homes = [...new Set(readPasswd().map((u) => u.home).filter((h) => h !== ""))].sort(comparePaths);
    for (const home of homes) {
      const base = home.replace(/\/+$/, "");
      for (const item of autostartItems(`${base}/.config/autostart/`)) rows.push(item);
      for (const item of autostartScripts(`${base}/.config/autostart-scripts/`)) rows.push(item);
    }
    for (const item of autostartScripts("/etc/init.d/")) rows.push(item);
    for (const item of autostartItems("/etc/xdg/autostart/")) rows.push(item);
    const problem = systemdManagerProblem();
    if (problem === null) for (const item of readSystemdUnits().map(systemdStartupRow)) rows.push(item);
    else verbose("startup_items.ts", `Failed to enumerate the systemd services: ${problem}`);
    return rows;
  },
});

/** Regular files (following symlinks) directly in `dir`, as full paths. */
function filesIn(dir: string): string[] {
  return listDir(dir)
    .map((n) => dir + n)
    .filter((p) => {
      try {
        return !statSync(p).isDirectory();
      } catch {
        // Vanished since the directory was listed: no item to report.
        return false;
      }
    });
}

/** osquery credits items under /home/<user>/ to that user (only /home). */
function ownerOf(dir: string): string | undefined {
  const parts = dir.split("/").filter((p) => p !== "");
  return parts.length > 1 && parts[0] === "home" ? parts[1] : undefined;
}

/**
 * Name= and Exec= of a .desktop file, taken as osquery does: the last match
 * whose line osquery's split cuts at "=" into exactly two trimmed pieces.
 */
export function parseDesktopEntry(text: string): { name?: string; exec?: string } {
  const out: { name?: string; exec?: string } = {};
  for (const line of text.split("\n")) {
    for (const [key, field] of [["Name=", "name"], ["Exec=", "exec"]] as const) {
      if (!line.startsWith(key)) continue;
      const parts = osquerySplit(line, "=");
      if (parts.length === 2) out[field] = parts[1];
    }
  }
  return out;
}

export function autostartItems(dir: string): Row[] {
  return filesIn(dir).map((file) => {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      logUnreadable("startup_items.ts", file, e);
      // Unreadable: the row still says the item exists.
    }
    const entry = parseDesktopEntry(text);
    return { name: entry.name, path: entry.exec, type: "Startup Item", status: "enabled", source: dir, username: ownerOf(dir) };
  });
}

export function autostartScripts(dir: string): Row[] {
  return filesIn(dir).map((file) => ({
    name: file.slice(file.lastIndexOf("/") + 1),
    path: file,
    type: "Startup Item",
    status: "enabled",
    source: dir,
    username: ownerOf(dir),
  }));
}

export function systemdStartupRow(u: SystemdUnit): Row {
  return {
    name: u.id,
    type: "systemd unit",
    status: u.activeState,
    path: u.fragmentPath,
    source: u.sourcePath,
    username: u.user,
  };
}
