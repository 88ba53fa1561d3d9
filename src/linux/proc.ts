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
