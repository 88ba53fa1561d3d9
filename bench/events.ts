// FIM ingest benchmark, run on demand (`bun bench/events.ts [operations]`),
// never as a test. dist/osqueryd (--disable_watchdog, so the daemon is the
// process measured) watches a temp tree with file_paths `%%`; a separate
// writer process makes 100,000 file operations (by default) in it as fast as
// it can: per file, a create-and-write, a chmod, a rename and an unlink,
// which the kernel reports as 7 inotify events (CREATE, MODIFY, CLOSE_WRITE,
// ATTRIB, MOVED_FROM, MOVED_TO, DELETE). Reported: events stored per second
// (from the writer's start until the last one is committed, counted in the
// daemon's LMDB file, read alongside it), events lost (expected − stored, with
// any inotify overflow the daemon reported), the daemon's CPU, and its RSS
// idle, during and after ingest. Targets (issue 11): ≥ 20,000 events/s stored,
// none lost, RSS during ingest ≤ 1.5× idle.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/store/store.ts";

const ROOT = join(import.meta.dir, "..");
const OSQUERYD = join(ROOT, "dist/osqueryd");
const OPERATIONS = Number(process.argv[2] ?? 100_000);
const DIRS = 10;
const OPS_PER_FILE = 4;
const EVENTS_PER_FILE = 7;
const CLK_TCK = 100;

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const dir = mkdtempSync(join(tmpdir(), "osq-bench-events-"));
const tree = join(dir, "tree");
for (let i = 0; i < DIRS; i++) mkdirSync(join(tree, `d${i}`), { recursive: true });
writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ file_paths: { bench: [`${tree}/%%`] } }));
const files = Math.ceil(OPERATIONS / OPS_PER_FILE);
const expected = files * EVENTS_PER_FILE;

// The writer: synchronous calls, one file at a time, no pauses.
writeFileSync(
  join(dir, "writer.ts"),
  `import { chmodSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
const [tree, files, dirs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
for (let i = 0; i < files; i++) {
  const p = tree + "/d" + (i % dirs) + "/f" + i;
  writeFileSync(p, "x");
  chmodSync(p, 0o600);
  renameSync(p, p + ".moved");
  unlinkSync(p + ".moved");
}
`,
);

const stderrPath = join(dir, "stderr");
const daemon = Bun.spawn(
  [
    OSQUERYD,
    `--config_path=${join(dir, "osquery.conf")}`,
    `--database_path=${join(dir, "osquery.db")}`,
    `--logger_path=${join(dir, "logs")}`,
    `--pidfile=${join(dir, "osqueryd.pid")}`,
    "--disable_watchdog",
    "--enable_file_events",
    `--events_max=${expected * 2}`,
    "--verbose",
  ],
  { stdout: "ignore", stderr: Bun.file(stderrPath) },
);
for (let i = 0; i < 200 && !readFileSyncSafe(stderrPath).includes("Starting event publisher run loop: inotify"); i++) await Bun.sleep(50);
function readFileSyncSafe(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return ""; // not written yet
  }
}

const store = await openStore(join(dir, "osquery.db"));
const stored = () => store.count("events", "data.inotify.file_events.");

await Bun.sleep(3000);
const idleRss = statusKb(daemon.pid, "VmRSS");
const cpu0 = cpuSeconds(daemon.pid);
const t0 = performance.now();
const writer = Bun.spawn([process.execPath, join(dir, "writer.ts"), tree, String(files), String(DIRS)], { stdout: "ignore", stderr: "inherit" });
const idleAnon = statusKb(daemon.pid, "RssAnon");
let peakRss = idleRss;
let peakAnon = idleAnon;
let writerDone = 0;
void writer.exited.then(() => (writerDone = performance.now()));
let last = -1;
let lastChange = performance.now();
let doneAt = 0;
for (;;) {
  await Bun.sleep(100);
  peakRss = Math.max(peakRss, statusKb(daemon.pid, "VmRSS"));
  peakAnon = Math.max(peakAnon, statusKb(daemon.pid, "RssAnon"));
  const n = stored();
  if (n !== last) {
    last = n;
    lastChange = performance.now();
    doneAt = lastChange;
  }
  if (n >= expected) break;
  // Nothing new for 3 s after the writer ended: what is stored is all there will be.
  if (writerDone && performance.now() - lastChange > 3000) break;
}
const cpu = cpuSeconds(daemon.pid) - cpu0;
const ingestSeconds = (doneAt - t0) / 1000;
await Bun.sleep(2000);
const afterRss = statusKb(daemon.pid, "VmRSS");
const afterAnon = statusKb(daemon.pid, "RssAnon");
const total = stored();
await store.close();
daemon.kill("SIGTERM");
await daemon.exited;
const overflow = /inotify event queue overflowed.*overflows: (\d+)/.exec(readFileSync(stderrPath, "utf8"));

console.log(`FIM ingest: ${OPERATIONS} file operations on ${files} files (${expected} inotify events expected)`);
console.log(`  writer: ${((writerDone - t0) / 1000).toFixed(2)} s; last event stored after ${ingestSeconds.toFixed(2)} s`);
console.log(`  stored: ${total} events, ${(total / ingestSeconds).toFixed(0)} events/s (target ≥ 20000)`);
console.log(`  lost: ${Math.max(0, expected - total)}${overflow ? ` (inotify queue overflow reported, ${overflow[1]} times)` : " (no overflow reported)"} (target 0)`);
console.log(`  daemon CPU: ${cpu.toFixed(2)} s over ${ingestSeconds.toFixed(2)} s (${((cpu / ingestSeconds) * 100).toFixed(0)}% of one core), ${(total / cpu).toFixed(0)} events per CPU second`);
console.log(`  daemon RSS: idle ${mb(idleRss)}, peak during ingest ${mb(peakRss)} (${(peakRss / idleRss).toFixed(2)}x, target ≤ 1.5x), after ${mb(afterRss)}`);
// LMDB's data file is mapped: pages it touched count in RSS as file-backed memory the kernel can drop; the process's own is the anonymous part.
console.log(`  of which anonymous: idle ${mb(idleAnon)}, peak ${mb(peakAnon)} (${(peakAnon / idleAnon).toFixed(2)}x), after ${mb(afterAnon)}`);
