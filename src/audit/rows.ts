// The rows each audit-based table stores for a batch of assembled events,
// with osquery's column semantics (its subscribers' ProcessEvents): which
// events a table takes, its defaults for missing fields, and its decoding.
import { statSync } from "node:fs";
import { verbose } from "../logger/glog.ts";
import { lsperms } from "../linux/fs.ts";
import { uptimeSeconds } from "../linux/proc.ts";
import type { EventRow } from "../events/types.ts";
import { recordOf, type AuditEvent } from "./assemble.ts";
import {
  AUDIT_CWD,
  AUDIT_EXECVE,
  AUDIT_OBJ_PID,
  AUDIT_PATH,
  AUDIT_SOCKADDR,
  AUDIT_SYSCALL,
  SELINUX_LABELS,
  decodeAuditValue,
  execveArguments,
  intField,
  type AuditRecord,
} from "./record.ts";
import { syscallName, type SyscallTable } from "./syscalls.ts";

const CLONE_PARENT = 0x8000n;
const CLONE_THREAD = 0x10000n;
const EINPROGRESS = 115n;
const EAGAIN = 11n;
const U64 = 1n << 64n;

function copy(row: EventRow, fields: ReadonlyMap<string, string>, name: string, fallback = ""): void {
  row[name] = fields.get(name) ?? fallback;
}

const PROCESS_SYSCALLS = {
  exec: ["execve", "execveat"],
  fork: ["clone", "fork", "vfork"],
  kill: ["kill", "tkill", "tgkill"],
} as const;

function kindOf(table: SyscallTable, nr: number): "exec" | "fork" | "kill" | null {
  const name = syscallName(table, nr);
  for (const [kind, names] of Object.entries(PROCESS_SYSCALLS) as [keyof typeof PROCESS_SYSCALLS, readonly string[]][]) {
    if (name !== undefined && names.includes(name)) return kind;
  }
  return null;
}

/** process_events: successful exec (and, when their rules are on, fork/clone and kill) events. */
export function processEventRows(events: readonly AuditEvent[], table: SyscallTable): EventRow[] {
  const rows: EventRow[] = [];
  const uptime = uptimeSeconds();
  for (const event of events) {
    const data = event.syscall;
    if (event.kind !== "syscall" || !data || !data.succeeded) continue;
    const kind = kindOf(table, data.syscall);
    if (!kind) continue;
    const sc = recordOf(event, AUDIT_SYSCALL);
    if (!sc) continue;
    const name = syscallName(table, data.syscall) ?? String(data.syscall);
    const f = sc.fields;
    // Threads are clones too; process_events lists processes only.
    if (name === "clone" && ((intField(f, "a0", 16) ?? 0n) & CLONE_THREAD) !== 0n) continue;

    const row: EventRow = { uptime };
    for (const id of ["auid", "uid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid"]) copy(row, f, id, "0");
    row.syscall = name;
    row.path = decodeAuditValue(f.get("exe") ?? "");
    let parent = intField(f, "ppid") ?? 0n;
    let pid = intField(f, "pid") ?? 0n;
    if (name === "fork" || name === "vfork") {
      parent = intField(f, "pid") ?? 0n;
      pid = intField(f, "exit") ?? 0n;
    } else if (name === "clone") {
      pid = intField(f, "exit") ?? 0n;
      parent = ((intField(f, "a0", 16) ?? 0n) & CLONE_PARENT) !== 0n ? (intField(f, "ppid") ?? 0n) : (intField(f, "pid") ?? 0n);
    }
    row.parent = String(parent);
    row.pid = String(pid);
    row.overflows = "";
    row.env = "";
    row.env_size = "0";
    row.env_count = "0";

    if (kind === "exec") {
      const cwd = recordOf(event, AUDIT_CWD);
      const execve = event.records.filter((r) => r.type === AUDIT_EXECVE);
      const path = recordOf(event, AUDIT_PATH);
      if (!cwd || execve.length === 0 || !path) {
        verbose("audit", `Failed to parse the event: malformed ${!cwd ? "AUDIT_CWD" : execve.length === 0 ? "AUDIT_EXECVE" : "AUDIT_PATH"} event`);
        continue;
      }
      // The kernel quotes a plain cwd and hex-encodes one with spaces;
      // osquery copies the field as it comes, quotes included.
      copy(row, cwd.fields, "cwd");
      const cmdline = execveArguments(execve).join(" ");
      row.cmdline = cmdline;
      row.cmdline_size = String(Buffer.byteLength(cmdline));
      copy(row, path.fields, "mode");
      row.owner_uid = path.fields.get("ouid") ?? "0";
      row.owner_gid = path.fields.get("ogid") ?? "0";
    } else if (kind === "kill") {
      const obj = recordOf(event, AUDIT_OBJ_PID)?.fields ?? new Map<string, string>();
      copy(row, f, "tty");
      copy(row, f, "ses", "-1");
      copy(row, f, "comm");
      copy(row, obj, "ocomm");
      copy(row, obj, "oses", "-1");
      copy(row, obj, "oauid", "-1");
    } else {
      row.owner_uid = "0";
      row.owner_gid = "0";
    }
    addFileTimes(row);
    rows.push(row);
  }
  return rows;
}

// The executable's times (and mode when the PATH record gave none), read when
// the event is stored, as osquery's subscriber stats it.
function addFileTimes(row: EventRow): void {
  try {
    const st = statSync(String(row.path));
    if (row.mode === undefined || row.mode === "") row.mode = lsperms(st.mode);
    row.btime = "0";
    row.atime = String(Math.floor(st.atimeMs / 1000));
    row.mtime = String(Math.floor(st.mtimeMs / 1000));
    row.ctime = String(Math.floor(st.ctimeMs / 1000));
  } catch (e) {
    verbose("audit", `Failed to stat path: ${String(row.path)}: ${(e as Error).message}`);
    row.ctime = "0";
    row.atime = "0";
    row.mtime = "0";
  }
}

function ip4(hex: string): string {
  const n = Number.parseInt(hex, 16) || 0;
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}

/** A SOCKADDR record's saddr into family, address and port columns; false when it is no inet/unix address. */
export function parseSockAddr(saddr: string, row: EventRow): { ok: boolean; unix: boolean } {
  const bind = row.action === "bind";
  const addressColumn = bind ? "local_address" : "remote_address";
  const portColumn = bind ? "local_port" : "remote_port";
  const family = saddr.slice(0, 2);
  if (family === "02") {
    row.family = "2";
    row[portColumn] = String(Number.parseInt(saddr.slice(4, 8), 16) || 0);
    row[addressColumn] = ip4(saddr.slice(8, 16));
    return { ok: true, unix: false };
  }
  if (family === "0A") {
    row.family = "10";
    row[portColumn] = String(Number.parseInt(saddr.slice(4, 8), 16) || 0);
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(saddr.slice(16 + i * 4, 20 + i * 4));
    row[addressColumn] = groups.join(":").toLowerCase();
    return { ok: true, unix: false };
  }
  if (family === "01" && saddr.length > 6) {
    row.family = "1";
    const begin = saddr.slice(4, 6) === "00" ? 6 : 4;
    const at = saddr.slice(begin).indexOf("00");
    const end = at < 0 ? saddr.length : at + 4;
    const hex = saddr.slice(begin, end);
    row.socket = /^([0-9A-Fa-f]{2})*$/.test(hex) ? Buffer.from(hex, "hex").toString("latin1") : "unknown";
    return { ok: true, unix: true };
  }
  return { ok: false, unix: false };
}

export interface SocketOptions {
  readonly allowFailed: boolean;
  readonly allowUnix: boolean;
  readonly allowAccept: boolean;
  readonly allowNullAccept: boolean;
}

/** socket_events: bind, connect and accept calls with their address. */
export function socketEventRows(events: readonly AuditEvent[], table: SyscallTable, opts: SocketOptions): EventRow[] {
  const rows: EventRow[] = [];
  const uptime = uptimeSeconds();
  for (const event of events) {
    const data = event.syscall;
    if (event.kind !== "syscall" || !data) continue;
    const name = syscallName(table, data.syscall);
    const action = name === "bind" ? "bind" : name === "connect" ? "connect" : name === "accept" || name === "accept4" ? "accept" : null;
    if (!action || (action === "accept" && !opts.allowAccept)) continue;
    const sc = recordOf(event, AUDIT_SYSCALL);
    if (!sc) continue;
    let status: "failed" | "succeeded" | "in_progress" | "no_client" = data.succeeded ? "succeeded" : "failed";
    if (!data.succeeded && action !== "bind") {
      const exit = intField(sc.fields, "exit");
      if (exit === undefined) {
        verbose("audit", "Malformed syscall event. The 'exit' field in the AUDIT_SYSCALL record is missing");
        continue;
      }
      const code = exit - U64;
      if (action === "connect" && code === -EINPROGRESS) status = "in_progress";
      if (action === "accept" && code === -EAGAIN && opts.allowNullAccept) status = "no_client";
    }
    if (status === "failed" && !opts.allowFailed) continue;
    const sock = recordOf(event, AUDIT_SOCKADDR);
    if (!sock) {
      verbose("audit", "Malformed syscall event. The AUDIT_SOCKADDR record is missing");
      continue;
    }
    const saddr = sock.fields.get("saddr") ?? "";
    if (saddr.length < 4) continue;
    // Netlink addresses (family 16) are not network connections.
    if (saddr.startsWith("10")) continue;
    const row: EventRow = {
      action,
      status,
      success: status === "failed" ? "0" : "1",
      auid: sc.fields.get("auid") ?? "",
      pid: sc.fields.get("pid") ?? "",
      path: decodeAuditValue(sc.fields.get("exe") ?? ""),
      fd: sc.fields.get("a0") ?? "",
      uptime,
      protocol: "0",
      local_port: "0",
      remote_port: "0",
    };
    const parsed = parseSockAddr(saddr, row);
    if (!parsed.ok) {
      verbose("audit", `Malformed syscall event. The saddr field in the AUDIT_SOCKADDR record could not be parsed: "${saddr}"`);
      continue;
    }
    if (parsed.unix && !opts.allowUnix) continue;
    rows.push(row);
  }
  return rows;
}

/** user_events: one row per user-space record (1100-1199). */
export function userEventRows(events: readonly AuditEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  for (const event of events) {
    if (event.kind !== "user") continue;
    for (const r of event.records) {
      const row: EventRow = { uptime: uptimeSeconds(), type: String(r.type) };
      for (const k of ["uid", "pid", "auid", "terminal"]) copy(row, r.fields, k);
      row.address = r.fields.get("addr") ?? "";
      row.path = decodeAuditValue(r.fields.get("exe") ?? "");
      // msg='...' loses its opening quote (the tokenizer splits it at spaces).
      const message = r.fields.get("msg") ?? "";
      if (message.length > 1) row.message = message.slice(1);
      rows.push(row);
    }
  }
  return rows;
}

/** selinux_events: the record's label and its whole text. */
export function selinuxEventRows(events: readonly AuditEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  for (const event of events) {
    if (event.kind !== "selinux") continue;
    for (const r of event.records) rows.push({ type: SELINUX_LABELS.get(r.type) ?? String(r.type), message: r.raw, uptime: uptimeSeconds() });
  }
  return rows;
}

function stripQuotes(v: string): string {
  return v.length >= 3 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

const APPARMOR_TEXT = ["apparmor", "operation", "profile", "name", "comm", "denied_mask", "capname", "requested_mask", "info", "error", "namespace", "label"];
const APPARMOR_INT = ["parent", "pid", "capability", "fsuid", "ouid"];

/** apparmor_events: AppArmor's AVC records, fields unquoted. */
export function apparmorEventRows(events: readonly AuditEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  for (const event of events) {
    if (event.kind !== "apparmor") continue;
    const [r] = event.records;
    if (!r || event.records.length !== 1) continue;
    const row: EventRow = { type: "AA", message: r.raw, uptime: uptimeSeconds() };
    for (const k of APPARMOR_TEXT) row[k] = stripQuotes(r.fields.get(k) ?? "");
    for (const k of APPARMOR_INT) row[k] = String(intField(r.fields, k) ?? 0n);
    rows.push(row);
  }
  return rows;
}

const ARCH_NAMES: ReadonlyMap<bigint, string> = new Map([
  [0xc000003en, "X86_64"], [0xc00000b7n, "AARCH64"], [0xc0009026n, "ALPHA"], [0x40000028n, "ARM"], [0x28n, "ARMEB"],
  [0x4000004cn, "CRIS"], [0x5441n, "FRV"], [0x40000003n, "I386"], [0xc0000032n, "IA64"], [0x58n, "M32R"], [0x4n, "M68K"],
  [0xbdn, "MICROBLAZE"], [0x8n, "MIPS"], [0x40000008n, "MIPSEL"], [0x80000008n, "MIPS64"], [0xa0000008n, "MIPS64N32"],
  [0xc0000008n, "MIPSEL64"], [0xe0000008n, "MIPSEL64N32"], [0x5cn, "OPENRISC"], [0xfn, "PARISC"], [0x8000000fn, "PARISC64"],
  [0x14n, "PPC"], [0x80000015n, "PPC64"], [0xc0000015n, "PPC64LE"], [0x16n, "S390"], [0x80000016n, "S390X"], [0x2an, "SH"],
  [0x4000002an, "SHEL"], [0x8000002an, "SH64"], [0xc000002an, "SHEL64"], [0x2n, "SPARC"], [0x8000002bn, "SPARC64"],
  [0xc00000bfn, "TILEGX"], [0x400000bfn, "TILEGX32"], [0x400000bcn, "TILEPRO"],
]);

const SECCOMP_ACTIONS: ReadonlyMap<bigint, string> = new Map([
  [0x80000000n, "KILL_PROCESS"], [0x0n, "KILL_THREAD"], [0x30000n, "TRAP"], [0x50000n, "ERRNO"], [0x7ff00000n, "TRACE"],
  [0x7ffc0000n, "LOG"], [0x7fff0000n, "ALLOW"],
]);

/** seccomp_events: one row per SECCOMP record, arch, syscall and action by name. */
export function seccompEventRows(events: readonly AuditEvent[], table: SyscallTable): EventRow[] {
  const rows: EventRow[] = [];
  for (const event of events) {
    if (event.kind !== "seccomp" || event.records.length !== 1) continue;
    const r = event.records[0] as AuditRecord;
    const f = r.fields;
    const row: EventRow = { uptime: uptimeSeconds() };
    for (const k of ["auid", "uid", "gid", "ses", "pid", "sig", "compat"]) row[k] = String(intField(f, k) ?? 0n);
    row.comm = f.get("comm") ?? "";
    row.exe = f.get("exe") ?? "";
    row.ip = f.get("ip") ?? "";
    const archValue = intField(f, "arch", 16) ?? 0n;
    row.arch = ARCH_NAMES.get(archValue) ?? `${archValue}(unknown)`;
    const nr = intField(f, "syscall") ?? 0n;
    // Only x86_64 calls are named (osquery carries that one table).
    row.syscall = archValue === 0xc000003en ? (table.auditArch === 0xc000003e ? syscallName(table, Number(nr)) : undefined) ?? `${nr}(unknown)` : String(nr);
    // The whole code is looked up, so an action with data (ERRNO|5) is unknown, as in osquery.
    const code = intField(f, "code", 16) ?? 0n;
    row.code = SECCOMP_ACTIONS.get(code) ?? `${code}(unknown)`;
    rows.push(row);
  }
  return rows;
}
