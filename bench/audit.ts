// Audit benchmark, run on demand as root (`bun bench/audit.ts [execs]`), never
// as a test. Starts dist/osqueryd as the audit daemon (--disable_audit=false
// --audit_allow_config=true, no watchdog so one process holds it all), then:
//   1. idle: the daemon's CPU over 10 s with nothing of ours exec'ing (the
//      100 ms netlink poll, the scheduled query, the machine's other execs);
//   2. ingest: a shell runs 2,000 (by default) `/bin/echo <marker>-<i>` as fast
//      as it can; every one must reach process_events (a scheduled query logs
//      them, each once, by events_optimize). Reports the events found, the
//      wall time until the last one was logged, the daemon's CPU per event
//      and its peak RSS, and what the kernel says it lost (auditctl -s).
// The audit rule is system-wide: execs of other processes on the machine are
// captured too and counted in the CPU, so the per-event cost is an upper bound.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OSQUERYD = join(ROOT, "dist/osqueryd");
const EXECS = Number(process.argv[2] ?? 2000);
const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

function rss(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

function auditctl(arg: string): string {
  return Bun.spawnSync(["auditctl", arg]).stdout.toString();
}

function lost(): number {
  return Number(/^lost (\d+)$/m.exec(auditctl("-s"))?.[1] ?? 0);
}

if (process.getuid?.() !== 0) throw new Error("bench/audit.ts needs root (the audit netlink)");
if (!Bun.which("auditctl", { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" })) throw new Error("auditctl is missing: install the Debian package auditd");
const holder = Number(/^pid (\d+)$/m.exec(auditctl("-s"))?.[1] ?? 0);
if (holder !== 0 && existsSync(`/proc/${holder}`)) throw new Error(`the audit daemon role is held by pid ${holder}`);

const dir = mkdtempSync(join(tmpdir(), "osq-bench-audit-"));
const marker = `osq-bench-${crypto.randomUUID().slice(0, 8)}`;
writeFileSync(
  join(dir, "osquery.conf"),
  JSON.stringify({
    schedule: {
      pe: { query: `SELECT cmdline FROM process_events WHERE cmdline LIKE '/bin/echo ${marker}-%'`, interval: 1 },
      // The subscriber's counter: every row it stored, ours and the machine's (cheap: one row).
      total: { query: "SELECT events AS n FROM osquery_events WHERE name = 'process_events'", interval: 1, snapshot: true },
    },
  }),
);
const daemon = Bun.spawn(
  [
    OSQUERYD,
    `--config_path=${join(dir, "osquery.conf")}`,
    `--database_path=${join(dir, "db")}`,
    `--logger_path=${join(dir, "logs")}`,
    `--pidfile=${join(dir, "pid")}`,
    "--disable_watchdog",
    "--disable_audit=false",
    "--audit_allow_config=true",
    // Room for the whole burst in the kernel while the daemon is busy parsing.
    "--audit_backlog_limit=65536",
  ],
  { stdout: "ignore", stderr: Bun.file(join(dir, "stderr")), stdin: "ignore" },
);

/** The latest snapshot of process_events' subscriber counter (rows stored). */
function stored(): number {
  const p = join(dir, "logs", "osqueryd.snapshots.log");
  if (!existsSync(p)) return 0;
  const last = readFileSync(p, "utf8").trim().split("\n").pop() ?? "";
  return last === "" ? 0 : Number((JSON.parse(last) as { snapshot?: { n?: string }[] }).snapshot?.[0]?.n ?? 0);
}

function logged(): Set<string> {
  const p = join(dir, "logs", "osqueryd.results.log");
  const seen = new Set<string>();
  if (!existsSync(p)) return seen;
  for (const l of readFileSync(p, "utf8").split("\n")) {
    if (l === "") continue;
    const line = JSON.parse(l) as { action?: string; columns?: { cmdline?: string } };
    if (line.action === "added" && line.columns?.cmdline) seen.add(line.columns.cmdline);
  }
  return seen;
}

try {
  for (let i = 0; ; i++) {
    const pid = Number(/^pid (\d+)$/m.exec(auditctl("-s"))?.[1] ?? 0);
    if (pid === daemon.pid) break;
    if (i > 100) throw new Error(`osqueryd did not become the audit daemon:\n${readFileSync(join(dir, "stderr"), "utf8")}`);
    await Bun.sleep(100);
  }
  await Bun.sleep(2000);
  const idleStart = cpuTicks(daemon.pid);
  await Bun.sleep(10_000);
  const idleTicks = cpuTicks(daemon.pid) - idleStart;
  const idleRss = rss(daemon.pid, "VmRSS");
  console.log(`idle: ${((idleTicks / CLK_TCK / 10) * 100).toFixed(2)}% of one core (100 ms poll, 1 s query, other execs on the machine), RSS ${(idleRss / 2 ** 20).toFixed(1)} MiB`);

  const lostBefore = lost();
  const storedBefore = stored();
  const start = cpuTicks(daemon.pid);
  const t0 = performance.now();
  const shell = Bun.spawnSync(["/bin/sh", "-c", `i=0; while [ $i -lt ${EXECS} ]; do i=$((i+1)); /bin/echo ${marker}-$i; done`], { stdout: "ignore" });
  if (shell.exitCode !== 0) throw new Error("the exec loop failed");
  const execMs = performance.now() - t0;
  let found = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    found = logged().size;
    if (found >= EXECS) break;
    await Bun.sleep(250);
  }
  const wallMs = performance.now() - t0;
  const ticks = cpuTicks(daemon.pid) - start;
  await Bun.sleep(1500);
  const captured = stored() - storedBefore;
  const peak = rss(daemon.pid, "VmHWM");
  console.log(`exec loop: ${EXECS} execs in ${(execMs / 1000).toFixed(1)} s (${Math.round(EXECS / (execMs / 1000))}/s)`);
  console.log(`process_events: ${found}/${EXECS} logged ${found >= EXECS ? "(complete)" : "(INCOMPLETE)"}, last one ${(wallMs / 1000).toFixed(1)} s after the loop started`);
  console.log(`daemon CPU: ${((ticks / CLK_TCK) * 1000).toFixed(0)} ms in all, ${(((ticks / CLK_TCK) * 1e6) / EXECS).toFixed(0)} µs per exec of ours; the machine's execs included, ${captured} process_events rows were stored: ${(((ticks / CLK_TCK) * 1e6) / Math.max(captured, 1)).toFixed(0)} µs per stored event (store and scheduled queries included)`);
  console.log(`daemon peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB (idle ${(idleRss / 2 ** 20).toFixed(1)} MiB); kernel lost ${lost() - lostBefore} records`);
} finally {
  daemon.kill("SIGTERM");
  await daemon.exited;
  const left = auditctl("-l");
  if (!left.includes("No rules")) console.log(`rules left after exit:\n${left}`);
  rmSync(dir, { recursive: true, force: true });
}
