// The audit publisher (osquery's AuditEventPublisher over AuditdNetlink): osq
// registers itself as the audit daemon, installs the syscall rule the audit_*
// flags ask for (with --audit_allow_config), and polls the non-blocking
// netlink socket from a timer. Records are assembled into events by serial;
// each poll's completed events are fired as one batch. On stop the rule is
// removed and the kernel's audit settings are put back as osquery leaves them.
//
// Why a timer and not a Worker: a poll that finds nothing is one recv() that
// returns EAGAIN; measured on the 2-core test machine, the publisher running
// with no rule costs 0.4% of a core over an idle daemon (mostly the timer's
// wake-ups), and the socket's 8 MiB receive buffer holds tens of thousands of
// records between two polls. Parsing and storing happen on the main thread
// either way, where the store lives; a Worker would add a copy per record.
// bench/audit.ts measures idle and ingest cost.
import { flags } from "../flags/flags.ts";
import { EventPublisher } from "../events/publisher.ts";
import { AUDIT_FAIL_PRINTK, AUDIT_FAIL_SILENT, AUDIT_GET, AuditNetlink, parseStatus, syscallRule, type NetlinkMessage } from "../linux/audit_netlink.ts";
import { readLink } from "../linux/proc.ts";
import { AuditAssembler, type AuditEvent } from "./assemble.ts";
import { AUDIT_SECCOMP, isAppArmorRecord, isSELinuxRecord, parseRecord, type AuditRecord } from "./record.ts";
import {
  EXEC_SYSCALLS,
  FILE_SYSCALLS,
  FORK_SYSCALLS,
  KILL_SYSCALLS,
  SOCKET_ACCEPT_SYSCALLS,
  SOCKET_BASE_SYSCALLS,
  nativeSyscalls,
  syscallNumbers,
  type SyscallTable,
} from "./syscalls.ts";

/** What subscribers receive: the events one poll completed. */
export interface AuditBatch {
  readonly events: readonly AuditEvent[];
  readonly syscalls: SyscallTable;
}

const POLL_MS = 100;
// Records per turn: a burst is taken in slices, so a query waits at most one slice (~50 ms).
const MAX_PER_POLL = 5_000;
const STATUS_EVERY_MS = 10_000;
const REACQUIRE_MS = 5_000;
const DISABLED = 0;
const ENABLED = 1;
const IMMUTABLE = 2;

const AUDIT_FLAGS = [
  "audit_allow_fim_events",
  "audit_allow_process_events",
  "audit_allow_sockets",
  "audit_allow_user_events",
  "audit_allow_selinux_events",
  "audit_allow_kill_process_events",
  "audit_allow_apparmor_events",
  "audit_allow_seccomp_events",
];

/** The socket-table calls: the ones kept even when they "fail" (non-blocking connect). */
export function socketSyscalls(table: SyscallTable): number[] {
  return syscallNumbers(table, [...SOCKET_BASE_SYSCALLS, ...(flags.bool("audit_allow_accept_socket_events") ? SOCKET_ACCEPT_SYSCALLS : [])]);
}

/** The syscalls of osquery's one exit rule, from the audit_* flags. */
export function monitoredSyscalls(table: SyscallTable): number[] {
  const names: string[] = [];
  if (flags.bool("audit_allow_process_events")) {
    names.push(...EXEC_SYSCALLS);
    if (flags.bool("audit_allow_fork_process_events")) names.push(...FORK_SYSCALLS);
    if (flags.bool("audit_allow_kill_process_events")) names.push(...KILL_SYSCALLS);
  }
  if (flags.bool("audit_allow_fim_events")) names.push(...FILE_SYSCALLS);
  const set = new Set(syscallNumbers(table, names));
  if (flags.bool("audit_allow_sockets")) for (const n of socketSyscalls(table)) set.add(n);
  return [...set].sort((a, b) => a - b);
}

/** Whether a record reaches the assembler (osquery's ShouldHandle): control answers never do. */
export function shouldHandle(type: number, text: string): boolean {
  if (isAppArmorRecord(type, text)) return flags.bool("audit_allow_apparmor_events");
  if (isSELinuxRecord(type, text)) return flags.bool("audit_allow_selinux_events");
  if (type === AUDIT_SECCOMP) return flags.bool("audit_allow_seccomp_events");
  // Netlink control (< 1100), the daemon's own messages (1200-1203) and CONFIG_CHANGE.
  if (type < 1100 || (type >= 1200 && type <= 1203) || type === 1305) return false;
  return true;
}

export class AuditEventPublisher extends EventPublisher<AuditBatch, null> {
  readonly type = "auditeventpublisher";
  private netlink: AuditNetlink | null = null;
  private assembler: AuditAssembler | null = null;
  private syscalls: SyscallTable | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private installed: Uint8Array[] = [];
  private lastStatus = 0;
  private nextAcquire = 0;
  private reacquire = false;
  private readonly decoder = new TextDecoder();
  private queued: NetlinkMessage[] = [];
  /** Records lost by the kernel as of the last status (auditctl -s "lost"). */
  lost = 0;

  setUp(): string | null {
    if (flags.bool("disable_audit") || !AUDIT_FLAGS.some((f) => flags.bool(f))) return "Publisher disabled via configuration";
    this.syscalls = nativeSyscalls();
    if (!this.syscalls) return `Audit rules are not known for this architecture (${process.arch})`;
    return null;
  }

  configure(): void {}

  start(): void {
    const table = this.syscalls;
    if (!table) return;
    // The kernel names the resolved executable, as /proc/self/exe does.
    const self = readLink("/proc/self/exe") ?? process.execPath;
    this.assembler = new AuditAssembler({ selfExecutable: self, allowedToFail: new Set(socketSyscalls(table)) });
    this.acquire();
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const nl = this.netlink;
    if (!nl) return;
    this.log.verbose("Releasing the audit handle...");
    if (flags.bool("audit_allow_config")) this.restore(nl);
    // Give up the daemon role explicitly, so the kernel does not keep
    // sending to a socket that is about to close.
    nl.set("pid", 0, () => {});
    nl.close();
    this.netlink = null;
  }

  /** Becomes the audit daemon and configures the kernel (osquery's acquireHandle); retried every 5 s on failure. */
  private acquire(): void {
    this.netlink?.close();
    this.netlink = null;
    this.nextAcquire = Date.now() + REACQUIRE_MS;
    const nl = AuditNetlink.open();
    if (typeof nl === "string") {
      this.log.verbose(`Failed to acquire the netlink handle: ${nl}`);
      return;
    }
    const keep = (m: NetlinkMessage) => this.queued.push(m);
    const pid = nl.set("pid", process.pid, keep);
    if (pid !== 0) {
      this.log.verbose(`Failed to set the netlink owner (errno ${-pid})`);
      nl.close();
      return;
    }
    const status = nl.getStatus(keep);
    if (!status) {
      this.log.verbose("Failed to query the audit netlink status");
      nl.close();
      return;
    }
    const allowConfig = flags.bool("audit_allow_config");
    const mutable = status.enabled !== IMMUTABLE && process.getuid?.() === 0 && allowConfig;
    if (allowConfig && mutable && status.enabled === DISABLED && nl.set("enabled", ENABLED, keep) !== 0) {
      this.log.verbose("Failed to enable the audit service");
      nl.close();
      return;
    }
    this.netlink = nl;
    this.lost = status.lost;
    this.lastStatus = Date.now();
    this.reacquire = false;
    if (allowConfig && mutable) {
      if (flags.bool("audit_force_reconfigure")) this.clearRules(nl);
      this.configureService(nl);
    }
  }

  private configureService(nl: AuditNetlink): void {
    const keep = (m: NetlinkMessage) => this.queued.push(m);
    this.log.verbose("Attempting to configure the audit service");
    nl.set("backlog_wait_time", flags.num("audit_backlog_wait_time"), keep);
    nl.set("backlog_limit", flags.num("audit_backlog_limit"), keep);
    nl.set("failure", AUDIT_FAIL_SILENT, keep);
    const syscalls = monitoredSyscalls(this.syscalls as SyscallTable);
    if (syscalls.length === 0) return;
    const rule = syscallRule(syscalls);
    const error = nl.rule(true, rule, keep);
    if (error < 0) {
      this.log.error(`Failed to install the audit rule due to one or more syscalls with error ${errnoName(-error)}, Audit-based tables may not function as expected`);
    } else if (flags.bool("audit_debug")) {
      this.log.verbose("Audit rule installed for all queued syscalls");
    }
    // A rule that was already there (EEXIST) belongs to someone else and stays on exit.
    if (error >= 0 || flags.bool("audit_force_unconfigure")) this.installed.push(rule);
  }

  private clearRules(nl: AuditNetlink): void {
    const keep = (m: NetlinkMessage) => this.queued.push(m);
    const rules = nl.listRules(keep);
    if (!rules) {
      this.log.verbose("Failed to list the audit rules");
      return;
    }
    const failed = rules.filter((r) => nl.rule(false, r, keep) !== 0).length;
    if (failed > 0) this.log.verbose(`${failed} audit rules could not be correctly removed`);
    else this.log.verbose("The audit configuration has been cleared");
  }

  private restore(nl: AuditNetlink): void {
    this.log.verbose("Uninstalling the audit rules we have installed");
    const drop = () => {};
    for (const rule of this.installed) {
      const error = nl.rule(false, rule, drop);
      if (error < 0 && flags.bool("audit_debug")) this.log.verbose(`Error code returned by delete rule ${errnoName(-error)}`);
    }
    this.installed = [];
    this.log.verbose("Restoring the default configuration for the audit service");
    nl.set("backlog_limit", 0, drop);
    nl.set("backlog_wait_time", 60000, drop);
    nl.set("failure", AUDIT_FAIL_PRINTK, drop);
    nl.set("enabled", DISABLED, drop);
  }

  /** One turn: drain the socket, assemble, fire what completed. */
  poll(): void {
    if (!this.netlink || this.reacquire) {
      if (Date.now() >= this.nextAcquire) this.acquire();
      if (!this.netlink) return;
    }
    const nl = this.netlink;
    if (Date.now() - this.lastStatus >= STATUS_EVERY_MS) {
      this.lastStatus = Date.now();
      if (!nl.requestStatus()) this.log.verbose("Warning: Failed to request audit status. Retrying again later");
    }
    const messages = nl.drain(MAX_PER_POLL);
    if (messages === null) {
      this.log.verbose("Failed to receive data from the audit netlink: requesting an audit handle reset");
      this.restartCount++;
      this.netlink.close();
      this.netlink = null;
      return;
    }
    const all = this.queued.length > 0 ? [...this.queued, ...messages] : messages;
    this.queued = [];
    const records: AuditRecord[] = [];
    for (const m of all) {
      if (m.type === AUDIT_GET) {
        this.onStatus(m);
        continue;
      }
      const text = this.decoder.decode(m.body);
      if (flags.bool("audit_debug")) this.log.verbose(`${m.type}, ${text}`);
      if (!shouldHandle(m.type, text)) continue;
      const r = parseRecord(m.type, text);
      if (!r) {
        this.log.verbose("Malformed audit record received");
        continue;
      }
      records.push(r);
    }
    const events = (this.assembler as AuditAssembler).push(records);
    if (events.length > 0) this.fire({ events, syscalls: this.syscalls as SyscallTable });
    // A full slice means more is queued: take the next one in the next turn, not in 100 ms.
    if (messages.length >= MAX_PER_POLL && this.timer) setTimeout(() => this.poll(), 0);
  }

  private onStatus(m: NetlinkMessage): void {
    const s = parseStatus(m.body);
    if (s.lost > this.lost) this.log.verbose(`The kernel lost ${s.lost - this.lost} audit records (backlog limit ${s.backlogLimit})`);
    this.lost = s.lost;
    if (s.pid !== process.pid) {
      this.log.verbose(`Audit control lost to pid: ${s.pid}`);
      if (flags.bool("audit_persist")) {
        this.log.verbose("Attempting to reacquire control of the audit service");
        this.reacquire = true;
        this.nextAcquire = 0;
        this.restartCount++;
      }
    }
  }
}

const ERRNO_NAMES: Readonly<Record<number, string>> = { 1: "EPERM", 2: "ENOENT", 13: "EACCES", 17: "EEXIST", 22: "EINVAL", 105: "ENOBUFS", 110: "ETIMEDOUT" };

function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? String(n);
}
