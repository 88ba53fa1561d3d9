// carbon_black_info (alias cb_info): the Carbon Black (EDR) Linux sensor's
// id, settings and on-disk queue sizes, from its files under /var/lib/cb.
//
// As osquery does on Linux, the table always has exactly one row:
//   - sensor_id: /var/lib/cb/sensor.id must be exactly 16 bytes; its last
//     five characters are read as hex;
//   - settings: the [CB] section of sensorsettings.ini (boost's INI rules: a
//     malformed file is skipped whole); a missing numeric key reads -1, the
//     config name and backend server are URL-unescaped for %20 and %3A only;
//     osquery sets collect_processes and the newer columns to 0 (its Linux
//     code overwrites CollectProcesses), and sensor_ip_addr to "";
//   - queues: every regular file below /var/lib/cb, summed by size: files
//     named filedata or metadata make binary_queue, files whose stem is
//     "events" event_queue. Without the folder both are 0.
import { statSync } from "node:fs";
import { boostFilename, GLOB_FILES, resolveFilePattern } from "../../src/linux/glob.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { readText } from "../../src/linux/fs.ts";

export default defineTable({
  name: "carbon_black_info",
  aliases: ["cb_info"],
  columns: {
    sensor_id: "INTEGER",
    config_name: "TEXT",
    collect_store_files: "INTEGER",
    collect_module_loads: "INTEGER",
    collect_module_info: "INTEGER",
    collect_file_mods: "INTEGER",
    collect_reg_mods: "INTEGER",
    collect_net_conns: "INTEGER",
    collect_processes: "INTEGER",
    collect_cross_processes: "INTEGER",
    collect_emet_events: "INTEGER",
    collect_data_file_writes: "INTEGER",
    collect_process_user_context: "INTEGER",
    collect_sensor_operations: "INTEGER",
    log_file_disk_quota_mb: "INTEGER",
    log_file_disk_quota_percentage: "INTEGER",
    protection_disabled: "INTEGER",
    sensor_ip_addr: "TEXT",
    sensor_backend_server: "TEXT",
    event_queue: "INTEGER",
    binary_queue: "INTEGER",
  },
  generate: () => [carbonBlackInfo()],
});

/** The sensor's files; `root` prefixes them (tests point it at a fixture tree). */
export function carbonBlackInfo(root = ""): Row {
  const row: Row = {};
  const sensorId = readConfig(`${root}/var/lib/cb/sensor.id`);
  if (sensorId !== null) Object.assign(row, sensorIdColumns(sensorId));
  const settings = readConfig(`${root}/var/lib/cb/sensorsettings.ini`);
  if (settings !== null) {
    const ini = parseBoostIni(settings);
    if (ini !== null) Object.assign(row, settingsColumns(ini));
  }
  Object.assign(row, queueColumns(`${root}/var/lib/cb/`));
  return row;
}

/** Carbon Black's config files, byte for byte. */
function readConfig(path: string): string | null {
  return readText(path, "latin1");
}

/** sensor_id from the id file's text: exactly 16 characters, the last five read as hex. */
export function sensorIdColumns(text: string): Row {
  if (text.length !== 16) return {};
  // `stream >> std::hex` on the tail: leading blanks, an optional 0x, then hex digits (0 if none).
  const m = /^\s*(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(text.slice(11))!;
  return { sensor_id: m[1] === "" ? 0 : parseInt(m[1]!, 16) };
}

export type Ini = Map<string, Map<string, string>>;

/**
 * boost::property_tree's read_ini: trimmed lines, `;`/`#` comments,
 * `[section]`, `key = value` (trimmed). Keys before any section share the
 * sections' namespace (boost keeps both in the root); only sections are
 * returned, as only [CB] matters. null where
 * boost throws (no `=`, empty key, duplicate key or section name, unmatched
 * `[`), which makes osquery skip the whole file.
 */
export function parseBoostIni(text: string): Ini | null {
  const top = new Map<string, string>();
  const ini: Ini = new Map();
  let section: Map<string, string> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) return null;
      const name = line.slice(1, end).trim();
      if (ini.has(name) || top.has(name)) return null;
      section = new Map();
      ini.set(name, section);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) return null;
    const key = line.slice(0, eq).trim();
    if (section ? section.has(key) : top.has(key) || ini.has(key)) return null;
    (section ?? top).set(key, line.slice(eq + 1).trim());
  }
  return ini;
}

/** INI key of the [CB] section behind each numeric column. */
const CB_NUMBERS: readonly (readonly [column: string, key: string])[] = [
  ["collect_store_files", "CollectStoreFiles"],
  ["collect_module_loads", "CollectModuleLoads"],
  ["collect_module_info", "CollectModuleInfo"],
  ["collect_file_mods", "CollectFileMods"],
  ["collect_reg_mods", "CollectRegMods"],
  ["collect_net_conns", "CollectNetConns"],
  ["collect_processes", "CollectProcesses"],
  ["collect_cross_processes", "CollectCrossProcess"],
  ["collect_emet_events", "CollectEmetEvents"],
];

/** The settings columns from a parsed sensorsettings.ini. */
export function settingsColumns(ini: Ini): Row {
  const cb = ini.get("CB") ?? new Map<string, string>();
  const row: Row = { config_name: (cb.get("ConfigName") ?? "").replaceAll("%20", " ") };
  // Values are passed through as text; one that is not a number reads NULL.
  for (const [column, key] of CB_NUMBERS) row[column] = cb.get(key) ?? "-1";
  row.sensor_backend_server = (cb.get("SensorBackendServer") ?? "").replaceAll("%3A", ":");
  Object.assign(row, {
    collect_data_file_writes: 0,
    collect_processes: 0,
    collect_sensor_operations: 0,
    log_file_disk_quota_mb: 0,
    log_file_disk_quota_percentage: 0,
    protection_disabled: 0,
    collect_process_user_context: 0,
    sensor_ip_addr: "",
  });
  return row;
}

/** boost::filesystem (v3) stem(): the file name without its last extension. */
function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? name : name.slice(0, dot);
}

/** binary_queue and event_queue: byte totals over the files below `dir` (osquery's `dir/**` walk). */
export function queueColumns(dir: string): Row {
  let binary = 0;
  let events = 0;
  for (const path of resolveFilePattern(`${dir}**`, GLOB_FILES)) {
    const name = boostFilename(path);
    const isBinary = name === "filedata" || name === "metadata";
    const isEvents = stem(name) === "events";
    if (!isBinary && !isEvents) continue;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      // Vanished since the queue directory was listed: it holds nothing to count.
      continue;
    }
    if (isBinary) binary += size;
    if (isEvents) events += size;
  }
  return { binary_queue: binary, event_queue: events };
}
