// Shared readers for /proc. Every table that looks at processes goes through
// these, so a /proc quirk (a process that exits mid-read, a comm with spaces
// or parentheses) is handled once.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { logUnreadable, readText } from "./fs.ts";

export const PROC = "/proc";

/** Numeric entries of /proc, ascending by number. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(PROC)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** A file under /proc/<pid>/ as text, or null when it vanished or is unreadable. */
export function readProcFile(pid: number | string, name: string): string | null {
  try {
    return readFileSync(`${PROC}/${pid}/${name}`, "utf8");
  } catch (e) {
    logUnreadable("proc.ts", `${PROC}/${pid}/${name}`, e);
    return null;
  }
}

export function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch (e) {
    // EINVAL is readlink's "not a symlink", an answer rather than a failure.
    if ((e as NodeJS.ErrnoException).code !== "EINVAL") logUnreadable("proc.ts", path, e);
    return null;
  }
}

/** Re-exported: tables have long imported readText from here. */
export { readText };

/** Clock ticks per second (USER_HZ); 100 on every Linux ABI osq targets. */
export const CLK_TCK = 100;

/**
 * Unix time of boot, from the btime line of /proc/stat; 0 when there is none,
 * as osquery's getBootTime (utils/system/linux/boottime.cpp) answers.
 */
export function bootTime(): number {
  const text = readText(`${PROC}/stat`) ?? "";
  const m = /^btime (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Seconds since boot rounded up, as sysinfo(2) reports them (osquery's getUptime); 0 when unknown. */
export function uptimeSeconds(): number {
  const up = Number.parseFloat((readText(`${PROC}/uptime`) ?? "").split(" ")[0] ?? "");
  return Number.isFinite(up) && up >= 0 ? Math.ceil(up) : 0;
}

/**
 * boost::thread::physical_concurrency: distinct (physical id, core id) pairs
 * of /proc/cpuinfo; `logical` when there are none or a line is not "k: v".
 */
export function physicalCores(text: string, logical: number): number {
  const cores = new Set<string>();
  let physicalId = "0";
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    const kv = line.split(":");
    if (kv.length !== 2) return logical;
    const key = (kv[0] as string).trim();
    const value = (kv[1] as string).trim();
    if (key === "physical id") physicalId = value;
    else if (key === "core id") cores.add(`${physicalId}:${value}`);
  }
  return cores.size > 0 ? cores.size : logical;
}

/** Counts the CPUs in a kernel CPU list such as "0-3,8,10-11". */
export function onlineCpuCount(list: string | null): number {
  if (!list) return navigator.hardwareConcurrency;
  let n = 0;
  for (const part of list.trim().split(",")) {
    if (!part) continue;
    const [a, b] = part.split("-").map(Number);
    n += b === undefined ? 1 : (b as number) - (a as number) + 1;
  }
  return n;
}

/**
 * The process name as osquery reads it from the Name line of /proc/<pid>/status:
 * the kernel escapes "\" and newlines there, and osquery splits the line on ':'
 * (dropping empty pieces, trimming each) before joining the value back.
 */
export function statusName(comm: string): string {
  // Without a character the kernel escapes or osquery splits on, the whole dance is a trim.
  if (!/[\\\n:]/.test(comm)) return comm.trim();
  const escaped = comm.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return statusValue(`\t${escaped}`);
}

/** The value of a "Key:<value>" status line after osquery's split(line, ':', 1). */
function statusValue(raw: string): string {
  return raw
    .split(":")
    .filter((p) => p.length > 0)
    .map((p) => p.trim())
    .join(":");
}

/** The fields of /proc/<pid>/stat after "comm)": [0] = state (field 3 of proc(5)). */
export function statDetails(text: string): { comm: string; details: string[] } | null {
  const close = text.lastIndexOf(")");
  if (close < 0 || text.length <= close + 2) return null;
  const open = text.indexOf("(");
  const fields = text.slice(close + 2).trim().split(" ");
  // The kernel separates fields by one space: empty ones are the exception.
  const details = fields.includes("") ? fields.filter((f) => f.length > 0) : fields;
  if (details.length <= 19) return null;
  return { comm: open >= 0 && open < close ? text.slice(open + 1, close) : "", details };
}

/** What osquery takes from /proc/<pid>/status. */
export interface StatusInfo {
  name?: string;
  uid?: string; euid?: string; suid?: string;
  gid?: string; egid?: string; sgid?: string;
  residentSize?: number;
  totalSize?: number;
}

export function parseStatus(text: string): StatusInfo {
  const out: StatusInfo = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    const raw = line.slice(i + 1);
    switch (key) {
      case "Name":
        out.name = statusValue(raw);
        break;
      case "VmRSS":
        out.residentSize = kibibytes(raw);
        break;
      case "VmSize":
        out.totalSize = kibibytes(raw);
        break;
      case "Uid":
      case "Gid": {
        const ids = raw.trim().split("\t");
        if (ids.length !== 4) break;
        if (key === "Uid") [out.uid, out.euid, out.suid] = ids;
        else [out.gid, out.egid, out.sgid] = ids;
        break;
      }
    }
  }
  return out;
}

/** "  1234 kB" → bytes; the kernel's kB is 1024 bytes. */
function kibibytes(raw: string): number | undefined {
  const n = Number.parseInt(raw.trim(), 10);
  return Number.isNaN(n) ? undefined : n * 1024;
}

/** What the watchdog measures of a process, in the units of osquery's processes table. */
export interface ProcessUsage {
  readonly parent: number;
  readonly userMs: number;
  readonly systemMs: number;
  readonly residentBytes: number;
}

/** A process's parent, CPU time and resident size; null once it has exited. */
export function processUsage(pid: number): ProcessUsage | null {
  const stat = readProcFile(pid, "stat");
  const details = stat === null ? null : statDetails(stat);
  const status = readProcFile(pid, "status");
  if (!details || status === null) return null;
  const d = details.details;
  const ticksToMs = (field: string | undefined) => (Number(field) * 1000) / CLK_TCK;
  return {
    parent: Number(d[1]),
    userMs: ticksToMs(d[11]),
    systemMs: ticksToMs(d[12]),
    residentBytes: parseStatus(status).residentSize ?? 0,
  };
}
