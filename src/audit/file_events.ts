// process_file_events (osquery's ProcessFileEventSubscriber): file activity
// of processes, rebuilt from their syscalls. Paths come with the calls that
// name them (open, rename, unlink, link, truncate); the calls that take a
// descriptor (read, write, close, ftruncate) are resolved through what the
// subscriber saw opened, per process and per inode, so a descriptor opened
// before osq started is "partial" and shown only with
// --audit_show_partial_fim_events. Only paths that the config's file_paths
// resolved to (when configured) are reported, and only writes unless
// --audit_fim_show_accesses.
import { posix } from "node:path";
import { flags } from "../flags/flags.ts";
import type { EventRow } from "../events/types.ts";
import { verbose } from "../logger/glog.ts";
import { uptimeSeconds } from "../linux/proc.ts";
import { recordOf, type AuditEvent } from "./assemble.ts";
import { AUDIT_CWD, AUDIT_PATH, AUDIT_SYSCALL, decodeAuditValue, intField } from "./record.ts";
import { FILE_SYSCALLS, syscallName, type SyscallTable } from "./syscalls.ts";

const AUDIT_MMAP = 1323;
const O_TRUNC = 0o1000n;
const PROT_WRITE = 0x2n;
const MAX_INODES = 20_000;
const MAX_PROCESSES = 4096;

type LastOp = "open" | "open+truncate" | "read" | "write";

interface FdEntry {
  inode: bigint;
  last: LastOp;
}

/** What the subscriber remembers between batches: descriptors per process, paths per inode. */
export class ProcessFileState {
  /** Paths the config's file_paths resolved to when the subscriber started; none configured, none reported (as osquery). */
  included: ReadonlySet<string> = new Set();
  readonly inodes = new Map<bigint, string>([
    [0n, "stdin"],
    [1n, "stdout"],
    [2n, "stderr"],
  ]);
  readonly processes = new Map<bigint, Map<bigint, FdEntry>>();
  /** When each untracked process was last warned about (--audit_show_untracked_res_warnings). */
  private readonly warned = new Map<bigint, number>();

  /** The descriptors of `pid`, or undefined (with a warning at most every five minutes per process, when asked). */
  fdsOf(pid: bigint): Map<bigint, FdEntry> | undefined {
    const fds = this.processes.get(pid);
    if (!fds && flags.bool("audit_show_untracked_res_warnings")) {
      const now = Date.now();
      if (now - (this.warned.get(pid) ?? 0) > 300_000) {
        this.warned.set(pid, now);
        if (this.warned.size > 2000) this.warned.delete(this.warned.keys().next().value as bigint);
        verbose("audit", `Untracked process with pid ${pid}`);
      }
    }
    return fds;
  }

  saveInode(inode: bigint, path: string): void {
    this.inodes.delete(inode);
    this.inodes.set(inode, path);
    if (this.inodes.size > MAX_INODES) {
      const first = this.inodes.keys().next().value;
      if (first !== undefined) this.inodes.delete(first);
    }
  }

  saveFd(pid: bigint, fd: bigint, inode: bigint, last: LastOp): void {
    let fds = this.processes.get(pid);
    if (!fds) {
      fds = new Map();
      this.processes.set(pid, fds);
      if (this.processes.size > MAX_PROCESSES) {
        const first = this.processes.keys().next().value;
        if (first !== undefined && first !== pid) this.processes.delete(first);
      }
    }
    if (!fds.has(fd)) fds.set(fd, { inode, last });
  }
}

interface PathItem {
  readonly inode: bigint;
  readonly path: string;
}

/** A path made absolute against a working directory and normalised without touching the disk. */
export function normalizePath(cwd: string, path: string): string {
  const p = path.startsWith('"') ? path.slice(1, -1) : path;
  const base = cwd.startsWith('"') ? cwd.slice(1, -1) : cwd;
  const joined = p.startsWith("/") ? p : `${base}/${p}`;
  const n = posix.normalize(joined);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

interface Activity {
  readonly operation: string;
  readonly path: string;
  readonly dest?: string;
  readonly write: boolean;
  readonly partial: boolean;
}

/** The rows of one batch; `state` carries descriptors and inodes to the next. */
export function processFileEventRows(events: readonly AuditEvent[], table: SyscallTable, state: ProcessFileState): EventRow[] {
  const watched = new Set<string>(FILE_SYSCALLS);
  const rows: EventRow[] = [];
  for (const event of events) {
    const data = event.syscall;
    if (event.kind !== "syscall" || !data || !data.succeeded) continue;
    const name = syscallName(table, data.syscall);
    if (!name || !watched.has(name)) continue;
    const sc = recordOf(event, AUDIT_SYSCALL);
    if (!sc) continue;
    const cwdField = recordOf(event, AUDIT_CWD)?.fields.get("cwd");
    const cwd = cwdField === undefined ? "" : decodeAuditValue(cwdField);
    const paths = new Map<number, PathItem>();
    for (const r of event.records) {
      if (r.type !== AUDIT_PATH) continue;
      const item = intField(r.fields, "item");
      if (item === undefined) continue;
      const raw = r.fields.get("name");
      paths.set(Number(item), { inode: intField(r.fields, "inode") ?? 0n, path: raw === undefined ? "" : decodeAuditValue(raw) });
    }
    const mmap = recordOf(event, AUDIT_MMAP);
    const activity = handle(name, sc.fields, data.pid, cwd, paths, mmap !== undefined, state);
    if (flags.bool("audit_fim_debug")) verbose("audit", `process_file_events: ${name} pid ${data.pid} ${data.executable}: ${activity ? `${activity.operation} ${activity.path}${activity.dest ? ` -> ${activity.dest}` : ""}` : "no row"}`);
    if (!activity) continue;
    if (activity.partial && !flags.bool("audit_show_partial_fim_events")) continue;
    const included = state.included;
    if (!included.has(activity.path) && !(activity.dest !== undefined && included.has(activity.dest))) continue;
    if (!activity.write && !flags.bool("audit_fim_show_accesses")) continue;
    const f = sc.fields;
    const row: EventRow = { operation: activity.operation, path: activity.path };
    if (activity.dest !== undefined) row.dest_path = activity.dest;
    row.pid = String(data.pid);
    row.ppid = String(data.ppid);
    for (const id of ["uid", "auid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid"]) row[id] = String(intField(f, id) ?? 0n);
    row.executable = data.executable;
    row.partial = activity.partial ? "true" : "false";
    row.cwd = cwd;
    row.uptime = uptimeSeconds();
    rows.push(row);
  }
  return rows;
}

function malformed(name: string, paths: ReadonlyMap<number, PathItem>): null {
  verbose("audit", `Malformed AUDIT_SYSCALL event received (AUDIT_PATH records mismatch) in syscall ${name}: ${[...paths.values()].map((p) => p.path).join(", ")}`);
  return null;
}

/** One syscall's effect on the state, and the activity it reports (null: nothing to report). */
function handle(
  name: string,
  f: ReadonlyMap<string, string>,
  pid: bigint,
  cwd: string,
  paths: ReadonlyMap<number, PathItem>,
  hasMmapRecord: boolean,
  state: ProcessFileState,
): Activity | null {
  // The kernel prints exit in decimal.
  const exit = intField(f, "exit") ?? 0n;
  const item = (i: number): PathItem => paths.get(i) ?? { inode: 0n, path: "" };
  switch (name) {
    case "fork":
    case "vfork":
    case "clone": {
      const fds = state.processes.get(pid);
      if (fds) state.processes.set(exit, new Map([...fds].map(([k, v]) => [k, { ...v }])));
      return null;
    }
    case "link":
    case "linkat":
    case "symlink":
    case "symlinkat": {
      if (paths.size !== 3) return malformed(name, paths);
      const source = normalizePath(cwd, item(0).path);
      const dest = normalizePath(item(1).path, item(2).path);
      const sourceInode = name === "linkat" || name === "link" ? item(2).inode : item(0).inode;
      state.saveInode(sourceInode, source);
      state.saveInode(item(2).inode, dest);
      return { operation: name.startsWith("symlink") ? "symlink" : "link", path: source, dest, write: true, partial: false };
    }
    case "name_to_handle_at": {
      if (paths.size !== 1) return malformed(name, paths);
      state.saveInode(item(0).inode, normalizePath(cwd, item(0).path));
      return null;
    }
    case "rename":
    case "renameat":
    case "renameat2": {
      if (paths.size !== 4 && paths.size !== 5) return malformed(name, paths);
      const source = normalizePath(item(0).path, item(2).path);
      const dest = normalizePath(item(1).path, item(paths.size === 4 ? 3 : 4).path);
      const known = state.inodes.get(item(2).inode);
      if (known === undefined) return null;
      state.inodes.delete(item(2).inode);
      state.saveInode(item(3).inode, known);
      return { operation: "rename", path: source, dest, write: true, partial: false };
    }
    case "unlink":
    case "unlinkat": {
      if (paths.size !== 2) return malformed(name, paths);
      const target = normalizePath(item(0).path, item(1).path);
      state.inodes.delete(item(1).inode);
      return { operation: "unlink", path: target, write: true, partial: false };
    }
    case "creat":
    case "mknod":
    case "mknodat":
    case "open":
    case "openat":
    case "open_by_handle_at": {
      const flagsArg = name === "open" ? "a1" : name === "openat" || name === "open_by_handle_at" ? "a2" : null;
      const truncate = flagsArg !== null && ((intField(f, flagsArg, 16) ?? O_TRUNC) & O_TRUNC) !== 0n;
      let dir: string;
      let entry: PathItem;
      if (name === "creat" || name === "mknod" || name === "mknodat") {
        if (paths.size !== 2) return malformed(name, paths);
        dir = item(0).path;
        entry = item(1);
      } else if (name === "open_by_handle_at") {
        if (paths.size !== 1) return malformed(name, paths);
        if (!state.inodes.has(item(0).inode)) return null;
        dir = cwd;
        entry = item(0);
      } else if (paths.size === 1 || paths.size === 3) {
        dir = cwd;
        entry = item(0);
      } else if (paths.size === 2) {
        dir = item(0).path;
        entry = item(1);
      } else {
        return malformed(name, paths);
      }
      const target = normalizePath(dir, entry.path);
      const last: LastOp = truncate ? "open+truncate" : "open";
      state.saveFd(pid, exit, entry.inode, last);
      state.saveInode(entry.inode, target);
      return { operation: last, path: target, write: truncate, partial: false };
    }
    case "close": {
      const fd = intField(f, "a0", 16);
      const fds = state.fdsOf(pid);
      const entry = fd === undefined ? undefined : fds?.get(fd);
      if (fd === undefined || !fds || !entry) return null;
      fds.delete(fd);
      const path = state.inodes.get(entry.inode);
      return path === undefined ? { operation: "close", path: "", write: false, partial: true } : { operation: "close", path, write: false, partial: false };
    }
    case "dup":
    case "dup2":
    case "dup3": {
      const fd = intField(f, "a0", 16);
      const fds = state.fdsOf(pid);
      const entry = fd === undefined ? undefined : fds?.get(fd);
      if (fds && entry && !fds.has(exit)) fds.set(exit, { ...entry });
      return null;
    }
    case "truncate": {
      if (paths.size !== 1) return malformed(name, paths);
      const target = normalizePath(cwd, item(0).path);
      state.saveInode(item(0).inode, target);
      return { operation: "write", path: target, write: true, partial: false };
    }
    case "mmap":
      // osquery reads the descriptor of an mmap from its MMAP record but then
      // handles only the mmaps that came without one; the same here.
      if (hasMmapRecord) return null;
      return descriptorCall(name, f, pid, 0n, state);
    default:
      return descriptorCall(name, f, pid, intField(f, "a0", 16), state);
  }
}

const READS = new Set(["read", "readv", "pread64", "preadv"]);
const WRITES = new Set(["write", "writev", "pwrite64", "pwritev", "ftruncate"]);

/** read/write-style calls: reported when they change what the descriptor did last (open → read → write). */
function descriptorCall(name: string, f: ReadonlyMap<string, string>, pid: bigint, fd: bigint | undefined, state: ProcessFileState): Activity | null {
  if (!READS.has(name) && !WRITES.has(name) && name !== "mmap") return null;
  const write = WRITES.has(name) || (name === "mmap" && ((intField(f, "a2", 16) ?? 0n) & PROT_WRITE) !== 0n);
  const entry = fd === undefined ? undefined : state.fdsOf(pid)?.get(fd);
  if (!entry) return null;
  let changed = false;
  if (entry.last === "open" || entry.last === "open+truncate") {
    entry.last = write ? "write" : "read";
    changed = true;
  } else if (entry.last === "read" && write) {
    entry.last = "write";
    changed = true;
  }
  const path = state.inodes.get(entry.inode);
  if (path === undefined) return { operation: write ? "write" : "read", path: "", write, partial: true };
  if (!changed) return null;
  return { operation: write ? "write" : "read", path, write, partial: false };
}
