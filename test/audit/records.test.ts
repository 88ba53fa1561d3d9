// Record parsing, event assembly and the audit tables' rows, on records this
// kernel's kauditd sent (test/audit/records.txt: one "<type> <text>" a line),
// captured while a script ran
//   sh -c 'cd /tmp && exec /bin/echo osq-fixture "two words" <10,000 y>'
// and a python3 that bound 127.0.0.1:0, connected to it, accepted, bound
// [::1]:0 and bound the abstract unix socket "\0osq-fixture".
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AuditAssembler } from "../../src/audit/assemble.ts";
import { AUDIT_EXECVE, decodeAuditValue, execveArguments, parseRecord, tokenize, type AuditRecord } from "../../src/audit/record.ts";
import { processEventRows, socketEventRows, userEventRows, seccompEventRows, apparmorEventRows, selinuxEventRows } from "../../src/audit/rows.ts";
import { nativeSyscalls, type SyscallTable } from "../../src/audit/syscalls.ts";

const RECORDS: AuditRecord[] = readFileSync(join(import.meta.dir, "records.txt"), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => {
    const sp = l.indexOf(" ");
    const r = parseRecord(Number(l.slice(0, sp)), l.slice(sp + 1));
    if (!r) throw new Error(`fixture line does not parse: ${l.slice(0, 80)}`);
    return r;
  });

function table(): SyscallTable {
  const t = nativeSyscalls();
  if (!t) throw new Error("the fixture holds x86_64 records: this test needs an x86_64 or aarch64 machine");
  return t;
}

function assemble(records: readonly AuditRecord[] = RECORDS, allowedToFail: number[] = []) {
  // A clock at the fixture's time, so its events are not five minutes stale.
  const now = (records[0]?.time ?? 0) * 1000;
  return new AuditAssembler({ selfExecutable: "/nonexistent/osq", allowedToFail: new Set(allowedToFail), now: () => now }).push(records);
}

describe("audit records", () => {
  test("the tokenizer keeps quoted values whole with their quotes, and the first of a repeated key", () => {
    const f = tokenize('a0="two words" exe="/bin/x y" k=v k=w  key=(null) bare');
    expect(f.get("a0")).toBe('"two words"');
    expect(f.get("exe")).toBe('"/bin/x y"');
    expect(f.get("k")).toBe("v");
    expect(f.get("key")).toBe("(null)");
    expect(f.get("bare")).toBe("");
  });

  test("a record's id and time come from its preamble; an EOE has no fields", () => {
    const sc = RECORDS[0] as AuditRecord;
    expect(sc.type).toBe(1300);
    expect(sc.auditId).toMatch(/^\d{10}\.\d{3}:\d+$/);
    expect(sc.time).toBe(Number(sc.auditId.slice(0, 10)));
    const eoe = RECORDS.find((r) => r.type === 1320) as AuditRecord;
    expect(eoe.fields.size).toBe(0);
    expect(parseRecord(1300, "garbage")).toBeNull();
  });

  test("values: quoted ones lose their quotes, hex ones are decoded, others stay", () => {
    expect(decodeAuditValue('"/bin/echo"')).toBe("/bin/echo");
    expect(decodeAuditValue("74776F20776F726473")).toBe("two words");
    expect(decodeAuditValue("(null)")).toBe("(null)");
    expect(decodeAuditValue("abc")).toBe("abc");
  });

  test("EXECVE arguments: hex-encoded and split ones (a3_len, a3[0], a3[1], ...) over several records", () => {
    const id = RECORDS.find((r) => r.type === AUDIT_EXECVE && r.fields.get("a1") === '"osq-fixture"')?.auditId;
    const execve = RECORDS.filter((r) => r.auditId === id && r.type === AUDIT_EXECVE);
    expect(execve.length).toBeGreaterThan(1);
    expect(execveArguments(execve)).toEqual(["/bin/echo", "osq-fixture", "two words", "y".repeat(10000)]);
  });
});

describe("assembly", () => {
  test("each SYSCALL..EOE serial becomes one event with its records", () => {
    const events = assemble();
    const serials = new Set(RECORDS.filter((r) => r.type === 1300).map((r) => r.auditId));
    expect(events.length).toBe(serials.size);
    for (const e of events) expect(new Set(e.records.map((r) => r.auditId)).size).toBe(1);
  });

  test("an event without its EOE stays pending, and is dropped once five minutes old", () => {
    const one = RECORDS.filter((r) => r.auditId === (RECORDS[0] as AuditRecord).auditId && r.type !== 1320);
    let now = (one[0] as AuditRecord).time * 1000;
    const a = new AuditAssembler({ selfExecutable: "/x", allowedToFail: new Set(), now: () => now });
    expect(a.push(one)).toEqual([]);
    expect(a.pendingCount).toBe(1);
    now += 301_000;
    a.push([]);
    expect(a.pendingCount).toBe(0);
  });

  test("osq's own executable is never reported", () => {
    const exe = decodeAuditValue((RECORDS[0] as AuditRecord).fields.get("exe") ?? "");
    const now = (RECORDS[0] as AuditRecord).time * 1000;
    const events = new AuditAssembler({ selfExecutable: exe, allowedToFail: new Set(), now: () => now }).push(RECORDS);
    expect(events.some((e) => e.syscall?.executable === exe)).toBe(false);
  });

  test("failed syscalls are kept only when allowed to fail", () => {
    const sc = RECORDS.find((r) => r.type === 1300) as AuditRecord;
    const failed: AuditRecord = { ...sc, auditId: "1.000:1", fields: new Map([...sc.fields, ["success", "no"]]) };
    const eoe: AuditRecord = { ...sc, type: 1320, auditId: "1.000:1", fields: new Map() };
    const nr = Number(sc.fields.get("syscall"));
    expect(assemble([failed, eoe]).length).toBe(0);
    expect(assemble([failed, eoe], [nr]).length).toBe(1);
  });
});

describe("rows", () => {
  test("process_events: the echo with pid, parent, uid, cwd (quoted, as osquery copies it) and full cmdline", () => {
    const rows = processEventRows(assemble(), table());
    const echo = rows.find((r) => String(r.cmdline).startsWith("/bin/echo osq-fixture"));
    expect(echo).toBeDefined();
    const sc = RECORDS.find((r) => r.type === 1300 && r.auditId === RECORDS.find((x) => x.fields.get("a1") === '"osq-fixture"')?.auditId) as AuditRecord;
    expect(echo?.pid).toBe(sc.fields.get("pid"));
    expect(echo?.parent).toBe(sc.fields.get("ppid"));
    expect(echo?.uid).toBe("0");
    expect(echo?.cwd).toBe('"/tmp"');
    expect(echo?.cmdline).toBe(`/bin/echo osq-fixture two words ${"y".repeat(10000)}`);
    expect(echo?.cmdline_size).toBe(String(String(echo?.cmdline).length));
    expect(echo?.path).toBe("/usr/bin/echo");
    expect(echo?.mode).toBe("0100755");
    expect(echo?.syscall).toBe("execve");
    expect(echo?.env_count).toBe("0");
  });

  test("socket_events: bind, connect and accept on 127.0.0.1, bind on ::1, unix sockets only when allowed", () => {
    const opts = { allowFailed: false, allowUnix: false, allowAccept: true, allowNullAccept: false };
    const rows = socketEventRows(assemble(), table(), opts);
    const connect = rows.find((r) => r.action === "connect");
    expect(connect).toMatchObject({ family: "2", remote_address: "127.0.0.1", status: "succeeded", success: "1" });
    const binds = rows.filter((r) => r.action === "bind");
    expect(binds.map((r) => r.local_address)).toEqual(["127.0.0.1", "0000:0000:0000:0000:0000:0000:0000:0001"]);
    expect(binds.map((r) => r.family)).toEqual(["2", "10"]);
    const accept = rows.find((r) => r.action === "accept");
    expect(accept?.remote_address).toBe("127.0.0.1");
    // accept's peer is the connecting socket, whose port is the connect's source.
    expect(Number(accept?.remote_port)).toBeGreaterThan(0);
    // The connect's port is the listener's, which the accept returned from.
    expect(Number(connect?.remote_port)).toBeGreaterThan(0);
    expect(rows.some((r) => r.family === "1")).toBe(false);
    const unix = socketEventRows(assemble(), table(), { ...opts, allowUnix: true }).find((r) => r.family === "1");
    expect(unix?.socket).toBe("osq-fixture");
    expect(socketEventRows(assemble(), table(), { ...opts, allowAccept: false }).some((r) => r.action === "accept")).toBe(false);
  });

  test("user_events: a user record's fields and its msg", () => {
    const r = parseRecord(1112, `audit(${(RECORDS[0] as AuditRecord).time}.000:9): pid=42 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=10.1.2.3 terminal=ssh res=success'`) as AuditRecord;
    const [row] = userEventRows(assemble([r]));
    expect(row).toMatchObject({ type: "1112", pid: "42", uid: "0", auid: "1000", path: "/usr/sbin/sshd", address: "10.1.2.3", terminal: "ssh", message: "op=login" });
  });

  test("selinux, apparmor and seccomp records each make one row", () => {
    const t = (RECORDS[0] as AuditRecord).time;
    const avc = parseRecord(1400, `audit(${t}.000:10): avc:  denied  { read } for  pid=5 comm="cat" scontext=a tcontext=b tclass=file`) as AuditRecord;
    const aa = parseRecord(1400, `audit(${t}.000:11): apparmor="DENIED" operation="open" profile="/usr/bin/man" name="/etc/x" pid=77 comm="man" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`) as AuditRecord;
    const sec = parseRecord(1326, `audit(${t}.000:12): auid=1000 uid=0 gid=0 ses=2 pid=99 comm="qemu" exe="/usr/bin/qemu" sig=31 arch=c000003e syscall=59 compat=0 ip=0x7f6ba2cdd811 code=0x80000000`) as AuditRecord;
    const events = assemble([avc, aa, sec]);
    expect(selinuxEventRows(events)).toMatchObject([{ type: "AVC", message: avc.raw }]);
    expect(apparmorEventRows(events)).toMatchObject([{ type: "AA", apparmor: "DENIED", operation: "open", profile: "/usr/bin/man", name: "/etc/x", pid: "77", requested_mask: "r", parent: "0" }]);
    expect(seccompEventRows(events, table())).toMatchObject([{ arch: "X86_64", syscall: "execve", code: "KILL_PROCESS", pid: "99", sig: "31", exe: '"/usr/bin/qemu"', ip: "0x7f6ba2cdd811" }]);
  });
});

describe("split arguments", () => {
  test("chunks are joined as bytes, so a UTF-8 character cut between two chunks survives", () => {
    const t = (RECORDS[0] as AuditRecord).time;
    // "é" is C3 A9: the kernel may end one chunk after C3.
    const r = parseRecord(1309, `audit(${t}.000:77): argc=2 a0="/bin/echo" a1_len=6 a1[0]=61C3 a1[1]=A96263`) as AuditRecord;
    expect(execveArguments([r])).toEqual(["/bin/echo", "aébc"]);
  });
});
