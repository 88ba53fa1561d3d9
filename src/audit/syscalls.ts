// The system call numbers the audit rules name, per architecture: osquery
// compiles them in from <asm/unistd.h>; osq picks the table of the machine it
// runs on. x86_64 also has the legacy calls (fork, open, unlink, ...) that
// newer architectures dropped, and osquery watches those only there.
import { arch } from "node:os";

export interface SyscallTable {
  /** AUDIT_ARCH_* of this machine's native calls (the `arch=` field of a SYSCALL record). */
  readonly auditArch: number;
  readonly numbers: Readonly<Record<string, number>>;
}

const X86_64: SyscallTable = {
  auditArch: 0xc000003e,
  numbers: {
    read: 0, write: 1, open: 2, close: 3, mmap: 9, pread64: 17, pwrite64: 18, readv: 19, writev: 20,
    dup: 32, dup2: 33, connect: 42, accept: 43, bind: 49, clone: 56, fork: 57, vfork: 58, execve: 59,
    kill: 62, truncate: 76, ftruncate: 77, rename: 82, creat: 85, unlink: 87, symlink: 88, mknod: 133,
    tkill: 200, tgkill: 234, openat: 257, mknodat: 259, unlinkat: 263, renameat: 264, linkat: 265,
    symlinkat: 266, accept4: 288, dup3: 292, preadv: 295, pwritev: 296, name_to_handle_at: 303,
    open_by_handle_at: 304, renameat2: 316, execveat: 322,
  },
};

const AARCH64: SyscallTable = {
  auditArch: 0xc00000b7,
  numbers: {
    mknodat: 33, unlinkat: 35, symlinkat: 36, linkat: 37, renameat: 38, truncate: 45, ftruncate: 46,
    openat: 56, close: 57, dup: 23, dup3: 24, read: 63, write: 64, readv: 65, writev: 66, pread64: 67,
    pwrite64: 68, preadv: 69, pwritev: 70, kill: 129, tkill: 130, tgkill: 131, bind: 200, accept: 202,
    connect: 203, clone: 220, execve: 221, mmap: 222, accept4: 242, name_to_handle_at: 264,
    open_by_handle_at: 265, renameat2: 276, execveat: 281,
  },
};

/** This machine's table (x86_64 or aarch64), or null on another architecture. */
export function nativeSyscalls(): SyscallTable | null {
  const a = arch();
  return a === "x64" ? X86_64 : a === "arm64" ? AARCH64 : null;
}

/** Numbers of the named calls that exist in `table` (absent ones are skipped, as the #ifdefs do). */
export function syscallNumbers(table: SyscallTable, names: readonly string[]): number[] {
  return names.map((n) => table.numbers[n]).filter((n): n is number => n !== undefined);
}

const names = new WeakMap<SyscallTable, Map<number, string>>();

/** The name of a syscall number, or undefined. */
export function syscallName(table: SyscallTable, nr: number): string | undefined {
  let byNumber = names.get(table);
  if (!byNumber) {
    byNumber = new Map(Object.entries(table.numbers).map(([name, n]) => [n, name]));
    names.set(table, byNumber);
  }
  return byNumber.get(nr);
}

// The sets of osquery's rules, by the flag that enables them.
export const EXEC_SYSCALLS = ["execve", "execveat"] as const;
export const FORK_SYSCALLS = ["clone", "fork", "vfork"] as const;
export const KILL_SYSCALLS = ["kill", "tkill", "tgkill"] as const;
export const SOCKET_BASE_SYSCALLS = ["bind", "connect"] as const;
export const SOCKET_ACCEPT_SYSCALLS = ["accept", "accept4"] as const;
export const FILE_SYSCALLS = [
  "linkat", "symlinkat", "unlinkat", "renameat", "renameat2", "mknodat", "openat", "open_by_handle_at",
  "name_to_handle_at", "close", "dup", "dup3", "pread64", "preadv", "read", "readv", "mmap", "write",
  "writev", "pwrite64", "pwritev", "truncate", "ftruncate", "clone",
  "symlink", "unlink", "rename", "creat", "mknod", "open", "dup2", "fork", "vfork",
] as const;
