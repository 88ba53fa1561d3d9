// /etc/passwd and /etc/group, parsed once for every table that needs accounts.
import { readText } from "./proc.ts";

export interface PasswdEntry {
  readonly username: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

export interface GroupEntry {
  readonly groupname: string;
  readonly password: string;
  readonly gid: number;
  readonly members: readonly string[];
}

function records(text: string | null): string[][] {
  if (!text) return [];
  return text
    .split("\n")
    .filter((l) => l.length > 0 && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

export function parsePasswd(text: string | null): PasswdEntry[] {
  return records(text)
    .filter((f) => f.length >= 7)
    .map((f) => ({
      username: f[0]!,
      password: f[1]!,
      uid: Number(f[2]),
      gid: Number(f[3]),
      gecos: f[4]!,
      home: f[5]!,
      shell: f[6]!,
    }));
}

export function parseGroup(text: string | null): GroupEntry[] {
  return records(text)
    .filter((f) => f.length >= 4)
    .map((f) => ({
      groupname: f[0]!,
      password: f[1]!,
      gid: Number(f[2]),
      members: f[3] ? f[3].split(",").filter(Boolean) : [],
    }));
}

/** The accounts of `root` (a path prefix such as /proc/<pid>/root for containers). */
export function readPasswd(root = ""): PasswdEntry[] {
  return parsePasswd(readText(`${root}/etc/passwd`));
}

export function readGroups(root = ""): GroupEntry[] {
  return parseGroup(readText(`${root}/etc/group`));
}
