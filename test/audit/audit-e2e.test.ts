// The audit publisher end to end, as root, on this kernel's audit netlink:
// the compiled dist/osqueryd becomes the audit daemon
// (--disable_audit=false --audit_allow_config=true), and scheduled queries log
// what it captured. Checked against the kernel's own view through auditctl
// (Debian's auditd package; its daemon is never started): the rule osq adds
// is there while it runs and gone after it exits, and the daemon pid is
// given back. Only one process can be the audit daemon, so every test that
// uses audit is in this one file and they run one after another.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQ, OSQUERYD } from "../helpers.ts";
import { tool } from "../tools.ts";

interface ResultLine {
  name: string;
  action?: string;
  columns?: Record<string, string>;
}

let dir: string;
let daemon: Subprocess | null = null;

function auditctl(...args: string[]): string {
  const r = Bun.spawnSync([tool("auditctl", "auditd"), ...args]);
  if (r.exitCode !== 0) throw new Error(`auditctl ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function auditPid(): number {
  const m = /^pid (\d+)$/m.exec(auditctl("-s"));
  if (!m) throw new Error("auditctl -s printed no pid line");
  return Number(m[1]);
}

function processAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("the audit tests need root: the audit netlink only answers root");
  tool("auditctl", "auditd");
  const holder = auditPid();
  // A pid of a process that is gone is stale, not held: the kernel forgets it at the next record.
  if (holder !== 0 && processAlive(holder)) {
    const comm = readFileSync(`/proc/${holder}/comm`, "utf8").trim();
    throw new Error(`the audit daemon role is held by pid ${holder} (${comm}): stop it (auditd must not run) before these tests`);
  }
});

afterEach(async () => {
  if (daemon) {
    daemon.kill("SIGTERM");
    await daemon.exited;
    daemon = null;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterAll(() => {
  // Never leave the kernel auditing for nobody: a killed daemon leaves its rule behind.
  if (daemon) daemon.kill(9);
});

function startDaemon(schedule: Record<string, string>, extra: string[] = [], snapshots: Record<string, string> = {}): Subprocess {
  dir = mkdtempSync(join(tmpdir(), "osq-audit-e2e-"));
  const queries = {
    ...Object.fromEntries(Object.entries(schedule).map(([name, query]) => [name, { query, interval: 1 }])),
    ...Object.fromEntries(Object.entries(snapshots).map(([name, query]) => [name, { query, interval: 1, snapshot: true }])),
  };
  writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ schedule: queries }));
  daemon = Bun.spawn(
    [
      OSQUERYD,
      `--config_path=${join(dir, "osquery.conf")}`,
      `--database_path=${join(dir, "osquery.db")}`,
      `--logger_path=${join(dir, "logs")}`,
      `--pidfile=${join(dir, "osqueryd.pid")}`,
      "--disable_audit=false",
      "--audit_allow_config=true",
      "--verbose",
      ...extra,
    ],
    { stdout: Bun.file(join(dir, "stdout")), stderr: Bun.file(join(dir, "stderr")), stdin: "ignore" },
  );
  return daemon;
}

function stderrOf(): string {
  const p = join(dir, "stderr");
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

/** The rows of the latest snapshot of scheduled query `name`. */
function lastSnapshot(name: string): Record<string, string>[] | null {
  const p = join(dir, "logs", "osqueryd.snapshots.log");
  if (!existsSync(p)) return null;
  const lines = readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { name: string; snapshot?: Record<string, string>[] })
    .filter((l) => l.name === name);
  return lines.at(-1)?.snapshot ?? null;
}

function results(): ResultLine[] {
  const p = join(dir, "logs", "osqueryd.results.log");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ResultLine);
}

async function waitFor<T>(what: string, fn: () => T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; daemon stderr:\n${stderrOf().slice(-3000)}`);
    await Bun.sleep(200);
  }
}

/** Waits until this daemon is the kernel's audit daemon (its worker, when a watcher runs it). */
async function waitUntilAuditDaemon(): Promise<number> {
  return waitFor("osq to become the audit daemon", () => {
    const pid = auditPid();
    return pid !== 0 && processAlive(pid) && readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("osq") ? pid : null;
  });
}

function osqRules(listing: string): string[] {
  return listing.split("\n").filter((l) => l.startsWith("-a "));
}

describe("audit (serial: one audit daemon at a time)", () => {
  test("an exec'd child appears in process_events with pid, parent, uid, cwd and full cmdline, and osq's rule is gone after exit", async () => {
    const before = auditctl("-l");
    const marker = `osq-marker-${crypto.randomUUID().slice(0, 8)}`;
    startDaemon(
      { pe: `SELECT pid, parent, uid, euid, gid, cwd, cmdline, path, syscall, owner_uid, mode FROM process_events WHERE cmdline LIKE '%${marker}%'` },
      [],
      { ev: "SELECT name, type, events, active FROM osquery_events WHERE name IN ('auditeventpublisher', 'process_events', 'socket_events')" },
    );
    await waitUntilAuditDaemon();
    const during = auditctl("-l");
    const added = osqRules(during).filter((r) => !osqRules(before).includes(r));
    expect(added.length).toBe(1);
    expect(added[0]).toContain("execve");

    const cwd = realpathSync(dir);
    const child = Bun.spawn(["/bin/sh", "-c", `exec /bin/echo ${marker} two words`], { cwd, stdout: "ignore" });
    await child.exited;

    const rows = await waitFor("the marker in process_events", () => {
      const r = results().filter((l) => l.name === "pe" && l.action === "added").map((l) => l.columns ?? {});
      return r.length >= 2 ? r : null;
    });
    const echo = rows.find((r) => r.path === realpathSync("/bin/echo"));
    const sh = rows.find((r) => r.cmdline?.startsWith("/bin/sh -c"));
    // sh execs echo in place: both images run as the child the test spawned.
    expect(echo).toMatchObject({ pid: String(child.pid), parent: String(process.pid), uid: "0", euid: "0", gid: "0", syscall: "execve", owner_uid: "0" });
    expect(echo?.cmdline).toBe(`/bin/echo ${marker} two words`);
    // osquery copies the CWD record's field as the kernel wrote it, quotes included.
    expect(echo?.cwd).toBe(`"${cwd}"`);
    expect(echo?.mode).toBe("0100755");
    expect(sh).toMatchObject({ pid: String(child.pid), parent: String(process.pid), cmdline: `/bin/sh -c exec /bin/echo ${marker} two words` });
    // Each event is logged once.
    expect(rows.filter((r) => r.path === echo?.path).length).toBe(1);
    // osquery_events counts the publisher's batches and the subscriber's rows; socket_events is off.
    const ev = await waitFor("osquery_events counting process_events", () => {
      const snap = lastSnapshot("ev");
      return snap && Number(snap.find((r) => r.name === "process_events")?.events ?? 0) >= 2 ? snap : null;
    });
    expect(ev.find((r) => r.name === "auditeventpublisher")).toMatchObject({ type: "publisher", active: "1" });
    expect(Number(ev.find((r) => r.name === "auditeventpublisher")?.events)).toBeGreaterThan(0);
    expect(ev.find((r) => r.name === "process_events")).toMatchObject({ type: "subscriber", active: "1" });
    expect(ev.find((r) => r.name === "socket_events")?.events).toBe("0");

    const exited = daemon as Subprocess;
    exited.kill("SIGTERM");
    expect(await exited.exited).toBe(0);
    daemon = null;
    expect(auditctl("-l")).toBe(before);
    expect(auditPid()).toBe(0);
  }, 60_000);

  test("a loopback connect() appears in socket_events with --audit_allow_sockets; osq's own calls never do", async () => {
    const before = auditctl("-l");
    startDaemon(
      {
        se: `SELECT action, pid, family, remote_address, remote_port, status, success, path FROM socket_events WHERE pid = ${process.pid} AND action = 'connect'`,
        own: `SELECT path FROM process_events WHERE path = '${realpathSync(OSQ)}'`,
      },
      ["--audit_allow_sockets"],
    );
    await waitUntilAuditDaemon();
    // auditctl names the calls of the rule in syscall-number order.
    const expected = process.arch === "arm64" ? "bind,accept,connect,execve,accept4,execveat" : "connect,accept,bind,execve,accept4,execveat";
    expect(osqRules(auditctl("-l"))).toContain(`-a always,exit -S ${expected}`);

    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open() {} } });
    try {
      // One connect a second until one is seen: the rule audits every process's
      // connect and execve, and on a busy machine (parallel builds) the kernel's
      // backlog may drop a record before osq reads it.
      const connectOnce = async () => (await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } })).end();
      await connectOnce();
      const again = setInterval(() => void connectOnce().catch(() => {}), 1000);
      let row;
      try {
        row = await waitFor("the connect in socket_events", () => results().find((l) => l.name === "se" && l.action === "added")?.columns);
      } finally {
        clearInterval(again);
      }
      // Bun's sockets are non-blocking: the kernel reports connect() as EINPROGRESS, which osquery records as in_progress.
      expect(row).toMatchObject({ action: "connect", pid: String(process.pid), family: "2", remote_address: "127.0.0.1", remote_port: String(server.port), success: "1" });
      expect(["in_progress", "succeeded"]).toContain(row.status ?? "");
    } finally {
      server.stop(true);
    }
    expect(results().some((l) => l.name === "own" && l.action === "added")).toBe(false);

    const exited = daemon as Subprocess;
    exited.kill("SIGTERM");
    expect(await exited.exited).toBe(0);
    daemon = null;
    expect(auditctl("-l")).toBe(before);
  }, 60_000);

  test("a user-space audit message (USER_LOGIN, sent by python3 on its own netlink socket) appears in user_events", async () => {
    const python = tool("python3", "python3");
    const marker = `osq-user-${crypto.randomUUID().slice(0, 8)}`;
    startDaemon({ ue: `SELECT type, pid, uid, message, path, terminal FROM user_events WHERE type = 1112` });
    await waitUntilAuditDaemon();
    // AUDIT_USER_LOGIN (1112) with a message the kernel wraps as msg='...'.
    const send = Bun.spawnSync([
      python,
      "-c",
      [
        "import socket, struct, sys",
        "s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)",
        `body = b"op=${marker} acct=root exe=/usr/sbin/sshd terminal=ssh res=success\\0"`,
        "s.send(struct.pack('=IHHII', 16 + len(body), 1112, 5, 1, 0) + body)",
        "print(__import__('os').getpid())",
      ].join("\n"),
    ]);
    expect(send.exitCode).toBe(0);
    const senderPid = send.stdout.toString().trim();
    const row = await waitFor("the USER_LOGIN record in user_events", () => results().find((l) => l.name === "ue" && l.columns?.message?.includes(marker))?.columns);
    // msg='op=... acct=...' is split at spaces as osquery tokenises it, so the message is its first word.
    expect(row).toMatchObject({ type: "1112", pid: senderPid, uid: "0", message: `op=${marker}`, terminal: "ssh", path: "/usr/sbin/sshd" });
  }, 60_000);

  test("a seccomp filter's logged action appears in seccomp_events (--audit_allow_seccomp_events)", async () => {
    const python = tool("python3", "python3");
    startDaemon({ sc: "SELECT pid, comm, exe, arch, syscall, code, sig, compat, uid FROM seccomp_events WHERE syscall = 'getppid'" }, ["--audit_allow_seccomp_events"]);
    await waitUntilAuditDaemon();
    // A filter that logs getppid (SECCOMP_RET_LOG) and allows the rest; the kernel
    // audits logged actions (actions_logged has "log" by default).
    const r = Bun.spawnSync([
      python,
      "-c",
      [
        "import ctypes, os, struct",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "nr = 110 if os.uname().machine == 'x86_64' else 173",
        "prog = struct.pack('=HBBI', 0x20, 0, 0, 0) + struct.pack('=HBBI', 0x15, 0, 1, nr) + struct.pack('=HBBI', 0x06, 0, 0, 0x7ffc0000) + struct.pack('=HBBI', 0x06, 0, 0, 0x7fff0000)",
        "buf = ctypes.create_string_buffer(prog)",
        "fprog = struct.pack('=HxxxxxxQ', 4, ctypes.addressof(buf))",
        "fbuf = ctypes.create_string_buffer(fprog)",
        "assert libc.prctl(38, 1, 0, 0, 0) == 0",
        "assert libc.prctl(22, 2, fbuf, 0, 0) == 0, ctypes.get_errno()",
        "os.getppid()",
        "print(os.getpid(), os.path.realpath(__import__('sys').executable))",
      ].join("\n"),
    ]);
    expect(r.stderr.toString()).toBe("");
    const [pid, exe] = r.stdout.toString().trim().split(" ");
    const row = await waitFor("the logged getppid in seccomp_events", () => results().find((l) => l.name === "sc" && l.columns?.pid === pid)?.columns);
    // exe and comm keep the kernel's quotes: osquery copies these fields as they come.
    expect(row).toMatchObject({ syscall: "getppid", code: "LOG", arch: process.arch === "arm64" ? "AARCH64" : "X86_64", sig: "0", compat: "0", uid: "0", comm: '"python3"' });
    expect(row.exe).toBe(`"${exe}"`);
  }, 60_000);

  test("--audit_force_reconfigure removes the rules that were there before and installs osq's alone", async () => {
    const other = ["-a", "always,exit", "-F", "arch=b64", "-S", "chmod", "-k", "osq-e2e-other"];
    auditctl(...other);
    try {
      startDaemon({ pe: "SELECT pid FROM process_events LIMIT 1" }, ["--audit_force_reconfigure"]);
      await waitUntilAuditDaemon();
      await waitFor("the configuration to be cleared", () => stderrOf().includes("The audit configuration has been cleared"));
      const during = osqRules(auditctl("-l"));
      expect(during.some((r) => r.includes("osq-e2e-other"))).toBe(false);
      expect(during.filter((r) => r.includes("execve")).length).toBe(1);
      const exited = daemon as Subprocess;
      exited.kill("SIGTERM");
      await exited.exited;
      daemon = null;
      expect(osqRules(auditctl("-l"))).toEqual([]);
    } finally {
      // Left only when the test failed before osq cleared it.
      if (auditctl("-l").includes("osq-e2e-other")) auditctl("-d", ...other.slice(1));
    }
  }, 60_000);

  test("a rule that was already installed is not osq's: it stays after exit", async () => {
    // The rule osq would add for process events alone, added first by auditctl.
    auditctl("-a", "always,exit", "-S", "execve,execveat");
    try {
      const before = auditctl("-l");
      startDaemon({ pe: "SELECT pid FROM process_events LIMIT 1" });
      await waitUntilAuditDaemon();
      await waitFor("the rule to be attempted", () => stderrOf().includes("Attempting to configure the audit service"));
      const exited = daemon as Subprocess;
      exited.kill("SIGTERM");
      await exited.exited;
      daemon = null;
      expect(auditctl("-l")).toBe(before);
      expect(stderrOf()).toContain("EEXIST");
    } finally {
      auditctl("-d", "always,exit", "-S", "execve,execveat");
    }
    expect(osqRules(auditctl("-l")).some((r) => r.includes("execve"))).toBe(false);
  }, 60_000);
});
