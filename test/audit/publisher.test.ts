// The audit publisher's choices from the flags: which calls its one rule
// names, which records reach the assembler, and how a rule's syscall mask
// is laid out (struct audit_rule_data, as libaudit fills it).
import { afterEach, describe, expect, test } from "bun:test";
import { flags } from "../../src/flags/flags.ts";
import { ruleSyscalls, syscallRule } from "../../src/linux/audit_netlink.ts";
import { AuditEventPublisher, monitoredSyscalls, shouldHandle } from "../../src/audit/publisher.ts";
import { nativeSyscalls, syscallName, type SyscallTable } from "../../src/audit/syscalls.ts";

const CHANGED = [
  "disable_audit", "audit_allow_process_events", "audit_allow_fork_process_events", "audit_allow_kill_process_events",
  "audit_allow_sockets", "audit_allow_accept_socket_events", "audit_allow_fim_events", "audit_allow_user_events",
  "audit_allow_selinux_events", "audit_allow_apparmor_events", "audit_allow_seccomp_events",
];
const DEFAULTS = new Map(CHANGED.map((f) => [f, flags.get(f)]));

afterEach(() => {
  for (const [f, v] of DEFAULTS) flags.set(f, v, "cli");
});

function table(): SyscallTable {
  const t = nativeSyscalls();
  if (!t) throw new Error(`no syscall table for ${process.arch}: osq's audit rules know x86_64 and aarch64`);
  return t;
}

function names(): string[] {
  return monitoredSyscalls(table()).map((n) => syscallName(table(), n) ?? String(n));
}

describe("the audit rule", () => {
  test("process events alone: execve and execveat", () => {
    expect(names().sort()).toEqual(["execve", "execveat"]);
  });

  test("fork, kill and socket flags add their calls; accept only with audit_allow_accept_socket_events", () => {
    flags.set("audit_allow_fork_process_events", "true", "cli");
    flags.set("audit_allow_kill_process_events", "true", "cli");
    flags.set("audit_allow_sockets", "true", "cli");
    const expected = ["execve", "execveat", "clone", "kill", "tkill", "tgkill", "bind", "connect", "accept", "accept4"];
    if (process.arch === "x64") expected.push("fork", "vfork");
    expect(names().sort()).toEqual(expected.sort());
    flags.set("audit_allow_accept_socket_events", "false", "cli");
    expect(names()).not.toContain("accept");
  });

  test("no process events and no other rule flag: no calls at all", () => {
    flags.set("audit_allow_process_events", "false", "cli");
    expect(names()).toEqual([]);
  });

  test("the mask has bit nr%32 of word nr/32 per call, after flags, action and field_count", () => {
    const rule = syscallRule([0, 59, 322]);
    const dv = new DataView(rule.buffer);
    expect(rule.length).toBe(1040);
    expect(dv.getUint32(0, true)).toBe(0x04); // AUDIT_FILTER_EXIT
    expect(dv.getUint32(4, true)).toBe(2); // AUDIT_ALWAYS
    expect(dv.getUint32(12, true)).toBe(1);
    expect(dv.getUint32(12 + 4, true)).toBe(1 << 27);
    expect(dv.getUint32(12 + 4 * 10, true)).toBe(1 << 2);
    expect(ruleSyscalls(rule)).toEqual([0, 59, 322]);
  });
});

describe("records and the publisher's switches", () => {
  test("control answers, the daemon's own messages and CONFIG_CHANGE never reach the assembler", () => {
    for (const t of [2, 3, 1000, 1013, 1200, 1203, 1305]) expect(shouldHandle(t, "audit(1.0:1): x=1")).toBe(false);
    for (const t of [1300, 1309, 1320, 1112]) expect(shouldHandle(t, "audit(1.0:1): x=1")).toBe(true);
  });

  test("SELinux, AppArmor and seccomp records pass only with their flags", () => {
    expect(shouldHandle(1400, "audit(1.0:1): avc: denied")).toBe(false);
    expect(shouldHandle(1400, 'audit(1.0:1): apparmor="DENIED"')).toBe(false);
    expect(shouldHandle(1326, "audit(1.0:1): sig=31")).toBe(false);
    flags.set("audit_allow_selinux_events", "true", "cli");
    expect(shouldHandle(1400, "audit(1.0:1): avc: denied")).toBe(true);
    expect(shouldHandle(1400, 'audit(1.0:1): apparmor="DENIED"')).toBe(false);
    flags.set("audit_allow_apparmor_events", "true", "cli");
    flags.set("audit_allow_seccomp_events", "true", "cli");
    expect(shouldHandle(1400, 'audit(1.0:1): apparmor="DENIED"')).toBe(true);
    expect(shouldHandle(1326, "audit(1.0:1): sig=31")).toBe(true);
  });

  test("the publisher is off with --disable_audit, and when no audit table is allowed", () => {
    expect(new AuditEventPublisher().setUp()).toBe("Publisher disabled via configuration");
    flags.set("disable_audit", "false", "cli");
    expect(new AuditEventPublisher().setUp()).toBeNull();
    for (const f of CHANGED.filter((x) => x.startsWith("audit_allow_"))) flags.set(f, "false", "cli");
    expect(new AuditEventPublisher().setUp()).toBe("Publisher disabled via configuration");
  });
});
