// systemd units read from the file system, for tables that osquery fills
// through systemd's D-Bus API (systemd_units, startup_items).
//
// Without a D-Bus client we rebuild what systemd's ListUnits would say from
// what it leaves on disk: unit files in its search path (first directory wins,
// drop-ins applied), enablement symlinks (*.wants/, *.requires/), and
// run-time state: whether systemd is PID 1 (/run/systemd/system), unit cgroups
// under /sys/fs/cgroup, mounts and swaps for .mount/.swap units, and the
// invocation-id links systemd keeps under /run/systemd/units.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isDirectory as isDir, listDir, readText, logUnreadable } from "./fs.ts";

/** systemd's system unit search path, highest precedence first. */
export const SYSTEM_UNIT_PATH = [
  "/etc/systemd/system.control",
  "/run/systemd/system.control",
  "/run/systemd/transient",
  "/run/systemd/generator.early",
  "/etc/systemd/system",
  "/etc/systemd/system.attached",
  "/run/systemd/system",
  "/run/systemd/system.attached",
  "/run/systemd/generator",
  "/usr/local/lib/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/run/systemd/generator.late",
];

const UNIT_SUFFIXES = ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope"];

/** Key → values (in order) of one section. */
export type UnitSection = Map<string, string[]>;
/** Section name → keys. */
export type UnitFile = Map<string, UnitSection>;

/**
 * Parses systemd's INI dialect: [Section] headers, Key=Value lines, comments
 * starting with # or ;, and lines continued with a trailing backslash. An
 * empty assignment resets a list (kept as an empty string here).
 */
export function parseUnitFile(text: string, into: UnitFile = new Map()): UnitFile {
  let section: UnitSection | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      const next = lines[++i]!.trim();
      if (next.startsWith("#") || next.startsWith(";")) continue;
      line = line.slice(0, -1) + " " + next;
    }
    const header = line.match(/^\[(.+)\]$/);
    if (header) {
      const name = header[1]!;
      section = into.get(name) ?? new Map();
      into.set(name, section);
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const list = section.get(key) ?? [];
    list.push(value);
    section.set(key, list);
  }
  return into;
}

/** The last assignment of Section.Key (systemd's rule for single-valued settings). */
export function unitValue(unit: UnitFile, section: string, key: string): string | undefined {
  const v = unit.get(section)?.get(key);
  return v && v.length > 0 ? v[v.length - 1] : undefined;
}

/** systemd's D-Bus object path label escaping: [A-Za-z0-9] kept, other bytes as _xx. */
export function busLabelEscape(s: string): string {
  if (s === "") return "_";
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9]/.test(c) ? c : "_" + b.toString(16).padStart(2, "0");
  }
  return out;
}

export function unitObjectPath(id: string): string {
  return `/org/freedesktop/systemd1/unit/${busLabelEscape(id)}`;
}

/** Undoes systemd's unit-name escaping (\x2d for "-", "-" for "/"). */
export function unescapeUnitName(s: string): string {
  return s.replace(/-/g, "/").replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function isUnitName(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot > 0 && UNIT_SUFFIXES.includes(name.slice(dot + 1));
}

/** "getty@tty1.service" → { prefix: "getty", instance: "tty1", suffix: "service" }. */
export function splitUnitName(name: string): { prefix: string; instance: string | null; suffix: string } {
  const dot = name.lastIndexOf(".");
  const stem = name.slice(0, dot);
  const suffix = name.slice(dot + 1);
  const at = stem.indexOf("@");
  return at < 0 ? { prefix: stem, instance: null, suffix } : { prefix: stem.slice(0, at), instance: stem.slice(at + 1), suffix };
}

export interface UnitFileEntry {
  readonly name: string;
  /** Where the unit was found (the name in its directory). */
  readonly path: string;
  readonly dir: string;
  /** The file actually read: the link target for a linked/aliased unit. */
  readonly fragment: string;
  /** Symlink to /dev/null (or an empty file). */
  readonly masked: boolean;
  /** A symlink whose target has another unit name: an alias, not a unit of its own. */
  readonly aliasOf: string | null;
}

function safeLstat(path: string) {
  try {
    return lstatSync(path);
  } catch {
    // Vanished since its directory was listed: there is no unit to report.
    return null;
  }
}

/** The search path with duplicates (e.g. /lib → /usr/lib) removed, keeping the first. */
export function effectiveUnitPath(dirs: readonly string[], root = ""): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of dirs) {
    let real: string;
    try {
      real = realpathSync(root + d);
    } catch (e) {
      logUnreadable("systemd.ts", root + d, e);
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(root + d);
  }
  return out;
}

/** Every unit file in the search path; for each name, the highest-precedence one. */
export function listUnitFiles(dirs: readonly string[]): Map<string, UnitFileEntry> {
  const out = new Map<string, UnitFileEntry>();
  for (const dir of dirs) {
    for (const name of listDir(dir).sort()) {
      if (out.has(name) || !isUnitName(name)) continue;
      const path = join(dir, name);
      const st = safeLstat(path);
      if (!st) continue;
      let fragment = path;
      let aliasOf: string | null = null;
      let masked = false;
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = resolve(dirname(path), readlinkSync(path));
        } catch {
          // The link vanished since its directory was listed: there is no unit to report.
          continue;
        }
        if (target === "/dev/null") masked = true;
        else {
          try {
            fragment = realpathSync(path);
          } catch {
            continue; // Dangling link: systemd reports the unit as not-found.
          }
          if (basename(target) !== name) aliasOf = basename(target);
        }
      } else if (!st.isFile()) continue;
      else if (st.size === 0) masked = true;
      out.set(name, { name, path, dir, fragment, masked, aliasOf });
    }
  }
  return out;
}

/**
 * Units pulled in by symlinks in *.wants/, *.requires/ and *.upholds/
 * directories: the enabled units, including instances such as getty@tty1.service.
 */
export function wantedUnits(dirs: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const dir of dirs) {
    for (const sub of listDir(dir)) {
      if (!/\.(wants|requires|upholds)$/.test(sub)) continue;
      for (const name of listDir(join(dir, sub))) if (isUnitName(name)) out.add(name);
    }
  }
  return out;
}

/** Applies drop-ins (<unit>.d/*.conf, the template's, and the type's) in file-name order. */
export function loadUnit(entry: UnitFileEntry | null, name: string, dirs: readonly string[]): UnitFile {
  const unit: UnitFile = new Map();
  if (entry && !entry.masked) {
    const text = readText(entry.fragment);
    if (text !== null) parseUnitFile(text, unit);
  }
  const { prefix, instance, suffix } = splitUnitName(name);
  const dropDirs = [`${suffix}.d`];
  if (instance !== null) dropDirs.push(`${prefix}@.${suffix}.d`);
  dropDirs.push(`${name}.d`);
  const confs = new Map<string, string>();
  // Later names override earlier ones; within one name the first directory wins.
  for (const dd of dropDirs) {
    for (const dir of dirs) {
      for (const f of listDir(join(dir, dd))) {
        if (f.endsWith(".conf") && !confs.has(f)) confs.set(f, join(dir, dd, f));
      }
    }
  }
  for (const f of [...confs.keys()].sort()) {
    const text = readText(confs.get(f)!);
    if (text !== null) parseUnitFile(text, unit);
  }
  return unit;
}

/** Expands the instance/name specifiers systemd resolves in Description= and User=. */
export function expandSpecifiers(value: string, name: string): string {
  const { prefix, instance } = splitUnitName(name);
  return value.replace(/%([%iInNpP])/g, (_, s: string) => {
    switch (s) {
      case "%": return "%";
      case "i": return instance ?? "";
      case "I": return unescapeUnitName(instance ?? "");
      case "n": return name;
      case "N": return name.slice(0, name.lastIndexOf("."));
      case "p": return prefix;
      case "P": return unescapeUnitName(prefix);
      default: return _;
    }
  });
}

/**
 * Unit file enablement as `systemctl is-enabled` would put it; `enabled` means
 * an enablement link exists in a configuration directory (/etc, /run).
 */
export function unitFileState(entry: UnitFileEntry, unit: UnitFile, enabled: boolean): string {
  const runtime = entry.dir.startsWith("/run/") || entry.dir.includes("/run/systemd/");
  if (entry.masked) return runtime ? "masked-runtime" : "masked";
  if (/\/run\/systemd\/generator(\.early|\.late)?$/.test(entry.dir)) return "generated";
  if (entry.dir.endsWith("/run/systemd/transient")) return "transient";
  // Without install targets a unit is static, however vendor .wants links pull it in.
  const install = unit.get("Install");
  const hasTargets = ["WantedBy", "RequiredBy", "UpheldBy", "Alias"].some((k) => (install?.get(k) ?? []).some((v) => v !== ""));
  const hasAlso = (install?.get("Also") ?? []).some((v) => v !== "");
  if (!hasTargets && !hasAlso) return "static";
  if (enabled) return "enabled";
  return hasTargets ? "disabled" : "indirect";
}

export interface RuntimeState {
  /** systemd is PID 1 (sd_booted: /run/systemd/system exists). */
  readonly booted: boolean;
  /** Unit names with a populated cgroup. */
  readonly cgroups: Set<string>;
  /** Unit names with an invocation id exported under /run/systemd/units. */
  readonly invoked: Set<string>;
  /** Mount points, for .mount units. */
  readonly mounts: Set<string>;
  /** Active swap devices/files, for .swap units. */
  readonly swaps: Set<string>;
}

/** Unit-named cgroup directories that hold processes (v2 or the v1 name=systemd tree). */
function populatedCgroups(root: string, depth = 4, out = new Set<string>()): Set<string> {
  if (depth === 0) return out;
  for (const name of listDir(root)) {
    const path = join(root, name);
    if (!isDir(path)) continue;
    if (isUnitName(name)) {
      const events = readText(join(path, "cgroup.events"));
      const populated = events !== null ? /^populated 1$/m.test(events) : (readText(join(path, "cgroup.procs")) ?? "").trim() !== "";
      if (populated) out.add(name);
    }
    populatedCgroups(path, depth - 1, out);
  }
  return out;
}

/** Decodes the octal escapes (\040) of /proc/self/mountinfo and /proc/swaps. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function readRuntimeState(root = ""): RuntimeState {
  const booted = isDir(`${root}/run/systemd/system`);
  const empty = new Set<string>();
  if (!booted) return { booted, cgroups: empty, invoked: empty, mounts: empty, swaps: empty };
  const cgroupRoot = isDir(`${root}/sys/fs/cgroup/system.slice`) ? `${root}/sys/fs/cgroup` : `${root}/sys/fs/cgroup/systemd`;
  const invoked = new Set<string>();
  for (const f of listDir(`${root}/run/systemd/units`)) if (f.startsWith("invocation:")) invoked.add(f.slice("invocation:".length));
  const mounts = new Set<string>();
  for (const line of (readText(`${root}/proc/self/mountinfo`) ?? "").split("\n")) {
    const mp = line.split(" ")[4];
    if (mp) mounts.add(unescapeOctal(mp));
  }
  const swaps = new Set<string>();
  for (const line of (readText(`${root}/proc/swaps`) ?? "").split("\n").slice(1)) {
    const dev = line.split(/\s+/)[0];
    if (dev) swaps.add(unescapeOctal(dev));
  }
  return { booted, cgroups: populatedCgroups(cgroupRoot), invoked, mounts, swaps };
}

/** libdbus's system bus when DBUS_SYSTEM_BUS_ADDRESS does not name one. */
const DEFAULT_SYSTEM_BUS = "/var/run/dbus/system_bus_socket";

/**
 * Why systemd's ListUnits could not be asked, or null when it could: osquery
 * (tables/system/linux/systemd_units.cpp, startup_items.cpp) reads the units
 * over the D-Bus system bus, so with no bus socket, or no systemd running as
 * PID 1 to answer on it, it reports no systemd units at all. `root` prefixes
 * the paths looked at (for tests).
 */
export function systemdManagerProblem(root = "", env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const address = env.DBUS_SYSTEM_BUS_ADDRESS;
  // Only unix:path= addresses can be checked from the file system; any other
  // transport is taken to be reachable.
  const path = address === undefined ? DEFAULT_SYSTEM_BUS : /(?:^|;)unix:(?:[^;]*,)?path=([^,;]+)/.exec(address)?.[1];
  if (path !== undefined) {
    let socket = false;
    try {
      socket = statSync(root + decodeURIComponent(path)).isSocket();
    } catch {
      // missing: reported below
    }
    if (!socket) return `Failed to connect to the system bus: ${path} is not a socket`;
  }
  if (!isDir(`${root}/run/systemd/system`)) return "systemd is not running as PID 1, so nothing answers ListUnits";
  return null;
}

/** systemd's unit name for a path: "/" → "-", "/home/a b" → "home-a\x20b". */
export function pathToUnitPrefix(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return "-";
  return trimmed
    .split(/\/+/)
    .map((part) =>
      [...Buffer.from(part, "utf8")]
        .map((b, i) => {
          const c = String.fromCharCode(b);
          return /[A-Za-z0-9:_]/.test(c) || (c === "." && i > 0) ? c : `\\x${b.toString(16).padStart(2, "0")}`;
        })
        .join(""),
    )
    .join("-");
}

/** Active/sub state from what the file system shows; systemd's own view needs D-Bus. */
export function activeState(name: string, unit: UnitFile, rt: RuntimeState): { active: string; sub: string } {
  const inactive = { active: "inactive", sub: "dead" };
  if (!rt.booted) return inactive;
  const { suffix } = splitUnitName(name);
  if (suffix === "mount") {
    const where = unitValue(unit, "Mount", "Where");
    const prefixes = new Set([...rt.mounts].map(pathToUnitPrefix));
    const mounted = where ? rt.mounts.has(where) : prefixes.has(name.slice(0, -".mount".length));
    return mounted ? { active: "active", sub: "mounted" } : inactive;
  }
  if (suffix === "swap") {
    const what = unitValue(unit, "Swap", "What");
    const prefixes = new Set([...rt.swaps].map(pathToUnitPrefix));
    const on = what ? rt.swaps.has(what) : prefixes.has(name.slice(0, -".swap".length));
    return on ? { active: "active", sub: "active" } : inactive;
  }
  if (rt.cgroups.has(name)) return { active: "active", sub: "running" };
  if (rt.invoked.has(name)) {
    const sub: Record<string, string> = {
      service: "exited", socket: "listening", target: "active", timer: "waiting", path: "waiting",
      slice: "active", scope: "running", automount: "waiting", device: "plugged",
    };
    return { active: "active", sub: sub[suffix] ?? "active" };
  }
  return inactive;
}

/** Enabled through an Alias= link instead of a .wants link. */
function isAliasedInConfig(name: string, unit: UnitFile, files: ReadonlyMap<string, UnitFileEntry>): boolean {
  return (unit.get("Install")?.get("Alias") ?? []).some((a) => {
    const link = files.get(a);
    return link !== undefined && link.aliasOf === name && isConfigDir(link.dir);
  });
}

/** Directories where enablement links live (the administrator's, not the vendor's). */
function isConfigDir(dir: string): boolean {
  return /\/(etc|run)\/systemd\/system(\.control|\.attached)?$/.test(dir);
}

export interface SystemdUnit {
  readonly id: string;
  readonly description: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
  readonly unitFileState: string;
  readonly fragmentPath: string;
  readonly sourcePath: string;
  readonly user: string;
}

/**
 * The units systemd would have loaded, from unit files: every concrete unit
 * file (templates only through their enabled instances), aliases folded into
 * the unit they name.
 */
export function readSystemdUnits(opts: { dirs?: readonly string[]; runtime?: RuntimeState } = {}): SystemdUnit[] {
  const dirs = opts.dirs ?? effectiveUnitPath(SYSTEM_UNIT_PATH);
  const rt = opts.runtime ?? readRuntimeState();
  const files = listUnitFiles(dirs);
  const wanted = wantedUnits(dirs);
  // Enablement is what the administrator configured, not vendor .wants links.
  const configured = wantedUnits(dirs.filter(isConfigDir));
  const names = new Set<string>();
  for (const [name, e] of files) {
    if (e.aliasOf !== null || splitUnitName(name).instance === "") continue;
    names.add(name);
  }
  // Enabled template instances (getty@tty1.service from getty@.service).
  for (const name of wanted) {
    const { prefix, instance, suffix } = splitUnitName(name);
    if (instance && !files.has(name) && files.has(`${prefix}@.${suffix}`)) names.add(name);
  }

  const units: SystemdUnit[] = [];
  for (const name of [...names].sort()) {
    const { prefix, instance, suffix } = splitUnitName(name);
    const entry = files.get(name) ?? (instance ? files.get(`${prefix}@.${suffix}`) ?? null : null);
    if (!entry) continue;
    const unit = loadUnit(entry, name, dirs);
    const state = entry.masked ? { active: "inactive", sub: "dead" } : activeState(name, unit, rt);
    units.push({
      id: name,
      description: expandSpecifiers(unitValue(unit, "Unit", "Description") ?? name, name),
      loadState: entry.masked ? "masked" : "loaded",
      activeState: state.active,
      subState: state.sub,
      unitFileState: unitFileState(entry, unit, configured.has(name) || isAliasedInConfig(name, unit, files)),
      fragmentPath: entry.masked ? "" : entry.fragment,
      sourcePath: unitValue(unit, "Unit", "SourcePath") ?? "",
      user: suffix === "service" ? expandSpecifiers(unitValue(unit, "Service", "User") ?? "", name) : "",
    });
  }
  return units;
}
