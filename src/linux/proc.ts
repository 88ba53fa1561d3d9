// Shared readers for /proc. Every table that looks at processes goes through
// these, so a /proc quirk (a process that exits mid-read, a comm with spaces
// or parentheses) is handled once.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export const PROC = "/proc";

/** Numeric entries of /proc, ascending. */
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
  } catch {
    return null;
  }
}

export function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** Reads a whole file as text, or null (missing, unreadable). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the comm, indexed as in proc(5) (field 3 = state). */
export interface ProcStat {
  readonly comm: string;
  readonly fields: readonly string[];
}

/** Parses /proc/<pid>/stat; comm may contain spaces and ')' so split at the last ')'. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).trim().split(" ");
  // proc(5) numbers fields from 1: pid=1, comm=2, state=3 ... so pad two slots.
  return { comm: text.slice(open + 1, close), fields: ["", "", ...rest] };
}

export function readStat(pid: number | string): ProcStat | null {
  const text = readProcFile(pid, "stat");
  return text === null ? null : parseStat(text);
}

/** /proc/<pid>/status as a key → value map (values trimmed). */
export function parseKeyValues(text: string, sep = ":"): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(sep);
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

export function readStatus(pid: number | string): Map<string, string> | null {
  const text = readProcFile(pid, "status");
  return text === null ? null : parseKeyValues(text);
}

/** Clock ticks per second (USER_HZ); 100 on every Linux ABI osq targets. */
export const CLK_TCK = 100;

/** Seconds since boot, from /proc/uptime. */
export function uptimeSeconds(): number {
  const text = readText(`${PROC}/uptime`);
  return text ? Number.parseFloat(text) : 0;
}

/** Unix time of boot, from the btime line of /proc/stat. */
export function bootTime(): number {
  const text = readText(`${PROC}/stat`) ?? "";
  const m = /^btime (\d+)$/m.exec(text);
  return m ? Number(m[1]) : Math.floor(Date.now() / 1000 - uptimeSeconds());
}
