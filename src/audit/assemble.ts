// Records become events as osquery's AuditEventPublisher assembles them: a
// SYSCALL record opens an event under its audit id, the records that follow
// with the same id join it, and EOE completes it. User, SELinux, AppArmor and
// seccomp records are events of one record each. Syscall events whose EOE
// never came are dropped five minutes after their timestamp.
import {
  AUDIT_EOE,
  AUDIT_FIRST_USER_MSG,
  AUDIT_LAST_USER_MSG,
  AUDIT_SECCOMP,
  AUDIT_SYSCALL,
  SELINUX_LABELS,
  decodeAuditValue,
  intField,
  type AuditRecord,
} from "./record.ts";
import { verbose } from "../logger/glog.ts";

export type AuditEventKind = "user" | "syscall" | "selinux" | "apparmor" | "seccomp";

export interface SyscallData {
  readonly syscall: number;
  readonly succeeded: boolean;
  readonly pid: bigint;
  readonly ppid: bigint;
  readonly executable: string;
}

export interface AuditEvent {
  readonly kind: AuditEventKind;
  readonly records: AuditRecord[];
  /** Present for syscall events. */
  readonly syscall?: SyscallData;
}

/** The first record of `type` in an event. */
export function recordOf(event: AuditEvent, type: number): AuditRecord | undefined {
  return event.records.find((r) => r.type === type);
}

const STALE_SECONDS = 300;
// The uid and gid fields osquery requires of every SYSCALL record.
const REQUIRED_IDS = ["uid", "auid", "euid", "fsuid", "suid", "gid", "egid", "fsgid", "sgid"];

export interface AssemblerOptions {
  /** osq's own executable: its syscalls are never reported (osquery skips its own too). */
  readonly selfExecutable: string;
  /** Syscalls kept even when they failed (the socket calls: non-blocking connect "fails"). */
  readonly allowedToFail: ReadonlySet<number>;
  readonly now?: () => number;
}

export class AuditAssembler {
  private readonly pending = new Map<string, AuditEvent>();

  constructor(private readonly opts: AssemblerOptions) {}

  /** Syscall events still waiting for their EOE. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Feeds records in arrival order; returns the events they completed. */
  push(records: Iterable<AuditRecord>): AuditEvent[] {
    const done: AuditEvent[] = [];
    for (const r of records) {
      // The user range comes first, so USER_AVC (1107) is a user event, as in osquery.
      if (r.type >= AUDIT_FIRST_USER_MSG && r.type <= AUDIT_LAST_USER_MSG) {
        done.push({ kind: "user", records: [r] });
      } else if (SELINUX_LABELS.has(r.type)) {
        if (!r.fields.has("apparmor")) {
          done.push({ kind: "selinux", records: [r] });
        } else if (decodeAuditValue(r.fields.get("apparmor") ?? "") === "") {
          verbose("audit", "AUDIT_APPARMOR record is malformed");
        } else {
          done.push({ kind: "apparmor", records: [r] });
        }
      } else if (r.type === AUDIT_SECCOMP) {
        done.push({ kind: "seccomp", records: [r] });
      } else if (r.type === AUDIT_SYSCALL) {
        if (this.pending.delete(r.auditId)) verbose("audit", "Received a duplicated event.");
        const data = this.syscallData(r);
        if (data) this.pending.set(r.auditId, { kind: "syscall", records: [r], syscall: data });
      } else if (r.type === AUDIT_EOE) {
        const event = this.pending.get(r.auditId);
        if (event) {
          this.pending.delete(r.auditId);
          done.push(event);
        }
      } else {
        this.pending.get(r.auditId)?.records.push(r);
      }
    }
    this.dropStale();
    return done;
  }

  private syscallData(r: AuditRecord): SyscallData | null {
    const exe = r.fields.get("exe");
    if (exe === undefined) {
      verbose("audit", "Malformed AUDIT_SYSCALL record received. The executable path field is either missing or not valid.");
      return null;
    }
    const executable = decodeAuditValue(exe);
    if (executable === this.opts.selfExecutable) return null;
    const syscall = intField(r.fields, "syscall");
    if (syscall === undefined) {
      verbose("audit", "Malformed AUDIT_SYSCALL record received. The syscall field is either missing or not valid.");
      return null;
    }
    const succeeded = (r.fields.get("success") ?? "yes") === "yes";
    if (!succeeded && !this.opts.allowedToFail.has(Number(syscall))) return null;
    const pid = intField(r.fields, "pid");
    const ppid = intField(r.fields, "ppid");
    if (pid === undefined || ppid === undefined) {
      verbose("audit", "Malformed AUDIT_SYSCALL record received. The process id fields are either missing or not valid.");
      return null;
    }
    for (const f of REQUIRED_IDS) {
      if (intField(r.fields, f) === undefined) {
        verbose("audit", `Missing or invalid ${f} field in AUDIT_SYSCALL`);
        return null;
      }
    }
    return { syscall: Number(syscall), succeeded, pid, ppid, executable };
  }

  private dropStale(): void {
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    for (const [id, event] of this.pending) {
      const t = event.records[0]?.time ?? 0;
      if (now - t >= STALE_SECONDS) {
        verbose("audit", `Dropping audit event ${id}: its EOE record never arrived`);
        this.pending.delete(id);
      }
    }
  }
}
