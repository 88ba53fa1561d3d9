// Linux software RAID (md) state, shared by md_devices, md_drives and
// md_personalities.
//
// /proc/mdstat is parsed as osquery parses it (line by line, with its
// "recovery =", "resync =", "resync=", "reshape =", "check =" and "bitmap:"
// follow-up lines). osquery then asks each array for its details with the
// GET_ARRAY_INFO / GET_DISK_INFO ioctls; osq reads the same facts from sysfs
// (/sys/block/<md>/md/...), where the kernel derives both from one state.
import { readdirSync, readlinkSync } from "node:fs";
import { readText } from "../../src/linux/proc.ts";
import { osquerySplit, osquerySplitN } from "../../src/linux/split.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export const MDSTAT_PATH = "/proc/mdstat";
export const SYS_BLOCK = "/sys/block";

export interface MdAction {
  progress: string;
  finish: string;
  speed: string;
}

export interface MdBitmap {
  onMem: string;
  chunkSize: string;
  externalFile: string;
}

export interface MdDevice {
  name: string;
  status: string;
  raidLevel: string;
  drives: { name: string; pos: number }[];
  usableSize?: string;
  healthyDrives: string;
  driveStatuses: string;
  other: string;
  recovery: MdAction;
  resync: MdAction;
  reshape: MdAction;
  checkArray: MdAction;
  bitmap: MdBitmap;
}

export interface MdStat {
  personalities: string[];
  devices: MdDevice[];
  unused: string;
}

const emptyAction = (): MdAction => ({ progress: "", finish: "", speed: "" });

export function readMdStat(path = MDSTAT_PATH): MdStat {
  const text = readText(path);
  return parseMdStat(text === null ? [] : osquerySplit(text, "\n"));
}

/** osquery's MD::parseMDStat over the (split, trimmed) lines of /proc/mdstat. */
export function parseMdStat(lines: readonly string[]): MdStat {
  const result: MdStat = { personalities: [], devices: [], unused: "" };
  if (lines.length === 0) return result;
  let n = 0;
  const first = lines[0] as string;
  const label = "Personalities :";
  if (first.includes(label)) {
    for (const p of osquerySplit(first.slice(label.length), " ")) {
      if (p.length > 2) result.personalities.push(p.slice(1, -1));
    }
    n = 1;
  }
  while (n < lines.length) {
    const line = lines[n] as string;
    if (line.trim() === "" || line.length < 2) {
      n++;
      continue;
    }
    if (line.startsWith("md")) {
      const mdline = osquerySplitN(line, ":", 1);
      if (mdline.length < 2) {
        n++;
        continue;
      }
      const dev: MdDevice = {
        name: (mdline[0] as string).trim(),
        status: "",
        raidLevel: "",
        drives: [],
        healthyDrives: "",
        driveStatuses: "",
        other: "",
        recovery: emptyAction(),
        resync: emptyAction(),
        reshape: emptyAction(),
        checkArray: emptyAction(),
        bitmap: { onMem: "", chunkSize: "", externalFile: "" },
      };
      const settings = osquerySplit(mdline[1] as string, " ");
      if (settings.length >= 2) {
        dev.status = settings[0] as string;
        dev.raidLevel = settings[1] as string;
        for (const d of settings.slice(2)) dev.drives.push(parseDrive(d));
      }
      // osquery would spin forever on an md line that ends the file; stop instead.
      if (n >= lines.length - 1) break;
      const config = osquerySplit(lines[n + 1] as string);
      if (config.length >= 4) {
        if (config[1] === "blocks" && /^-?\d+$/.test(config[0] as string)) dev.usableSize = config[0];
        dev.healthyDrives = config[config.length - 2] as string;
        dev.driveStatuses = config[config.length - 1] as string;
        if (config.length > 4) dev.other = config.slice(2, -2).join(" ").trim();
      }
      n++;
      while (n < lines.length - 1) {
        const next = lines[n + 1] as string;
        const handled =
          follow(next, "recovery =", (v) => (dev.recovery = parseAction(v) ?? dev.recovery)) ||
          follow(next, "resync =", (v) => (dev.resync = parseAction(v) ?? dev.resync)) ||
          follow(next, "resync=", (v) => (dev.resync.progress = v)) ||
          follow(next, "reshape =", (v) => (dev.reshape = parseAction(v) ?? dev.reshape)) ||
          follow(next, "check =", (v) => (dev.checkArray = parseAction(v) ?? dev.checkArray)) ||
          follow(next, "bitmap:", (v) => parseBitmap(v, dev.bitmap));
        if (!handled) break;
        n++;
      }
      result.devices.push(dev);
    } else if (line.startsWith("un") && line.length > "unused devices:".length + 1) {
      result.unused = line.slice("unused devices:".length).trim();
    }
    n++;
  }
  return result;
}

function follow(line: string, term: string, handle: (value: string) => unknown): boolean {
  const pos = line.indexOf(term);
  if (pos < 0 || line.length <= pos + term.length) return false;
  handle(line.slice(pos + term.length).trim());
  return true;
}

/** "8.5% (166/1953) finish=170.5min speed=174624K/sec" → its three parts. */
function parseAction(line: string): MdAction | null {
  const p = osquerySplit(line, " ");
  if (p.length !== 4) return null;
  // osquery skips the leading characters that belong to the "finish=" / "speed=" sets.
  return {
    progress: `${p[0]} ${p[1]}`,
    finish: (p[2] as string).replace(/^[finsh=]+/, "") || (p[2] as string),
    speed: (p[3] as string).replace(/^[sped=]+/, "") || (p[3] as string),
  };
}

function parseBitmap(line: string, into: MdBitmap): void {
  const infos = osquerySplit(line, ",");
  if (infos.length < 2) return;
  into.onMem = infos[0] as string;
  into.chunkSize = infos[1] as string;
  const pos = infos[2]?.indexOf("file:") ?? -1;
  if (infos[2] !== undefined && pos >= 0) into.externalFile = infos[2].slice(pos + 5).trim();
}

function parseDrive(name: string): { name: string; pos: number } {
  const m = /\[(\d+)\]/.exec(name);
  return { name, pos: m ? Number(m[1]) : 0 };
}

// ---- sysfs: what the ioctls would report ----

/** md personalities' level numbers (md_u.h / md_p.h). */
const LEVELS: Record<string, number> = {
  linear: -1, multipath: -4, faulty: -5, raid0: 0, raid1: 1, raid4: 4, raid5: 5, raid6: 6, raid10: 10,
};

export interface MdMember {
  /** "sda1" from dev-sda1 */
  readonly name: string;
  /** raid_disk: the slot, or -1 for none */
  readonly slot: number;
  /** the state words of dev-<name>/state: in_sync, faulty, spare, write_mostly, ... */
  readonly state: readonly string[];
}

export interface MdArrayInfo {
  readonly level: number | undefined;
  readonly chunkSize: number | undefined;
  readonly raidDisks: number | undefined;
  readonly members: readonly MdMember[];
  readonly arrayState: string;
  readonly bitmapPresent: boolean;
  readonly metadataVersion: string;
}

/** The array's sysfs facts, or null when /sys/block/<name>/md does not exist. */
export function readMdArray(name: string, sysBlock = SYS_BLOCK): MdArrayInfo | null {
  const dir = `${sysBlock}/${name}/md`;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    logUnreadable("mdstat.ts", dir, e);
    return null;
  }
  const read = (f: string) => readText(`${dir}/${f}`)?.trim();
  const num = (f: string) => {
    const v = read(f);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
  };
  const members: MdMember[] = [];
  for (const e of entries.sort()) {
    if (!e.startsWith("dev-")) continue;
    const slot = read(`${e}/slot`);
    members.push({
      name: memberName(`${dir}/${e}`, e.slice(4)),
      slot: slot !== undefined && /^\d+$/.test(slot) ? Number(slot) : -1,
      state: (read(`${e}/state`) ?? "").split(",").filter(Boolean),
    });
  }
  const level = read("level");
  const location = read("bitmap/location");
  return {
    level: level === undefined ? undefined : (LEVELS[level] ?? undefined),
    chunkSize: num("chunk_size"),
    raidDisks: num("raid_disks"),
    members,
    arrayState: read("array_state") ?? "",
    bitmapPresent: location !== undefined && location !== "none",
    metadataVersion: (read("metadata_version") ?? "").replace(/^external:/, ""),
  };
}

function memberName(devDir: string, fallback: string): string {
  try {
    const target = readlinkSync(`${devDir}/block`);
    return target.slice(target.lastIndexOf("/") + 1) || fallback;
  } catch {
    // No block link: osquery names the member by its sysfs entry, the fallback.
    return fallback;
  }
}

/** GET_ARRAY_INFO's disk counters, as the kernel computes them from member flags. */
export function diskCounts(members: readonly MdMember[]): { nr: number; working: number; active: number; failed: number; spare: number } {
  let working = 0;
  let active = 0;
  let failed = 0;
  let spare = 0;
  for (const m of members) {
    if (m.state.includes("faulty")) failed++;
    else {
      working++;
      if (m.state.includes("in_sync")) active++;
      else if (!m.state.includes("journal")) spare++;
    }
  }
  return { nr: members.length, working, active, failed, spare };
}

/** osquery's superblock state words: "clean" when the array is in sync, "bitmap_present"; "unknown" for none. */
export function superblockState(info: MdArrayInfo): string {
  const words: string[] = [];
  if (["clean", "readonly", "read-auto"].includes(info.arrayState)) words.push("clean");
  if (info.bitmapPresent) words.push("bitmap_present");
  return words.length > 0 ? words.join(" ") : "unknown";
}

/** osquery's disk state words (GET_DISK_INFO bits); "recovering" when none is set. */
export function diskState(state: readonly string[]): string {
  const words: string[] = [];
  if (state.includes("faulty")) words.push("faulty");
  else if (state.includes("in_sync")) words.push("active", "sync");
  if (state.includes("write_mostly")) words.push("writemostly");
  if (state.includes("failfast")) words.push("failfast");
  if (state.includes("journal")) words.push("journal");
  return words.length > 0 ? words.join(" ") : "recovering";
}
