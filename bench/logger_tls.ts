// The tls logger's drain, on demand (`bun bench/logger_tls.ts`), never as a
// test (issue 8's targets), measured on the compiled dist/osqueryd against
// test/remote/server.ts (HTTPS on 127.0.0.1, so the figures include TLS):
//   1. 200,000 result lines buffered in the daemon's LMDB file, drained with
//      --logger_tls_max_lines=10000 --logger_tls_period=1: lines per second
//      (target ≥ 20,000) and the daemon's peak RSS (VmHWM).
//   2. 1,000,000 lines buffered, the server refusing them: the daemon's RSS
//      beside an idle daemon's with an empty buffer (target ≤ 16 MiB more; the
//      lines stay in LMDB, not in memory).
// The server runs in this process, so its own memory is not in the figures.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogBuffer } from "../src/remote/log_buffer.ts";
import { openStore } from "../src/store/store.ts";
import { OSQUERYD } from "../test/helpers.ts";
import { makePki, startServer, type TestServer } from "../test/remote/server.ts";

const LINES = 200_000;
const BIG_BACKLOG = 1_000_000;
const CHUNK = 10_000;
const MiB = 1024 * 1024;

function line(i: number): string {
  return JSON.stringify({
    name: "pack/Global/processes",
    hostIdentifier: "bench",
    calendarTime: "Tue Dec  1 18:00:00 2026 UTC",
    unixTime: 1_796_148_000 + Math.floor(i / 100),
    epoch: 0,
    counter: i,
    numerics: false,
    columns: { pid: String(i), name: "worker", cmdline: `/usr/bin/worker --id ${i}` },
    action: "added",
  });
}

/** Buffers `n` result lines in the database at `db`, as the daemon's tls logger would have. */
async function fill(db: string, n: number): Promise<void> {
  const store = await openStore(db);
  const buffer = new LogBuffer(store);
  buffer.load();
  for (let i = 0; i < n; i += CHUNK) buffer.append("result", Array.from({ length: Math.min(CHUNK, n - i) }, (_, j) => line(i + j)));
  await store.close();
}

/** VmRSS, VmHWM and RssAnon of a process, in bytes (RssAnon leaves out LMDB's file-backed map). */
function memory(pid: number): { rss: number; hwm: number; anon: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM"), anon: kb("RssAnon") };
}

function daemon(srv: TestServer, dir: string, db: string): Bun.Subprocess {
  return Bun.spawn(
    [OSQUERYD, "--disable_watchdog", "--config_plugin=tls", "--logger_plugin=tls", `--database_path=${db}`, `--pidfile=${join(dir, `${Math.random()}.pid`)}`,
      "--logger_tls_max_lines=10000", "--logger_tls_period=1", "--buffered_log_max=0", "--tls_disable_status_log", ...srv.flags()],
    { stdin: "ignore", stdout: "ignore", stderr: "inherit" },
  );
}

function resultsReceived(srv: TestServer): number {
  return srv.requestsTo("log").reduce((n, r) => n + (r.body?.log_type === "result" ? ((r.body.data as unknown[]) ?? []).length : 0), 0);
}

const dir = mkdtempSync(join(tmpdir(), "osq-bench-tlslog-"));
const pki = makePki();
const srv = startServer({ pki });
srv.config = { schedule: {} };
const procs: Bun.Subprocess[] = [];
try {
  const db = join(dir, "drain.db");
  await fill(db, LINES);
  const t0 = performance.now();
  const p = daemon(srv, dir, db);
  procs.push(p);
  let peakAnon = 0;
  while (resultsReceived(srv) < LINES) {
    peakAnon = Math.max(peakAnon, memory(p.pid).anon);
    if (p.exitCode !== null) throw new Error(`osqueryd exited ${p.exitCode} before the drain finished`);
    if (performance.now() - t0 > 120_000) throw new Error(`the drain took over 120 s (${resultsReceived(srv)} lines received)`);
    await Bun.sleep(10);
  }
  const seconds = (performance.now() - t0) / 1000;
  const { hwm } = memory(p.pid);
  p.kill("SIGTERM");
  await p.exited;
  const rate = LINES / seconds;
  console.log(`drain: ${LINES} lines over HTTPS in ${seconds.toFixed(2)} s from the daemon's start = ${Math.round(rate)} lines/s (target 20000: ${rate >= 20_000 ? "meets" : "misses"})`);
  console.log(`drain: osqueryd's peak RSS ${(hwm / MiB).toFixed(1)} MiB, of which anonymous (not LMDB's map) at most ${(peakAnon / MiB).toFixed(1)} MiB`);

  // The server refuses the log requests, so the backlog stays buffered.
  srv.fail.add("log");
  const idleDb = join(dir, "idle.db");
  const bigDb = join(dir, "backlog.db");
  await fill(bigDb, BIG_BACKLOG);
  const idle = daemon(srv, dir, idleDb);
  const busy = daemon(srv, dir, bigDb);
  procs.push(idle, busy);
  await Bun.sleep(8000);
  const a = memory(idle.pid);
  const b = memory(busy.pid);
  const added = (b.rss - a.rss) / MiB;
  console.log(`backlog: ${BIG_BACKLOG} lines buffered: osqueryd RSS ${(b.rss / MiB).toFixed(1)} MiB (peak ${(b.hwm / MiB).toFixed(1)}), an idle one ${(a.rss / MiB).toFixed(1)} MiB: ${added.toFixed(1)} MiB more (target 16: ${added <= 16 ? "meets" : "misses"}); anonymous ${(b.anon / MiB).toFixed(1)} against ${(a.anon / MiB).toFixed(1)} MiB`);
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
}
