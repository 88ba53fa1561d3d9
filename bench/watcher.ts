// Watcher benchmark, run on demand (`bun bench/watcher.ts [seconds]`), never as
// a test. Starts dist/osqueryd with the watchdog on and a one-query schedule,
// and after `seconds` (10 by default) reports the watcher's and the worker's
// RSS beside a compiled Bun hello-world's, measured in the same run. Target
// (issue 9): the watcher at most 1.3x the hello-world.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OSQUERYD = join(ROOT, "dist/osqueryd");
const SECONDS = Number(process.argv[2] ?? 10);

/** A /proc/<pid>/status figure in bytes (VmRSS, VmHWM, RssAnon, RssFile, ...). */
function statusBytes(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

async function workerOf(watcher: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (parentOf(Number(name)) === watcher) return Number(name);
      } catch {
        // exited while the list was read
      }
    }
    await Bun.sleep(50);
  }
  throw new Error("osqueryd started no worker");
}

interface Rss {
  readonly rss: number;
  readonly peak: number;
  readonly anon: number;
  readonly file: number;
}

const rssOf = (pid: number): Rss => ({ rss: statusBytes(pid, "VmRSS"), peak: statusBytes(pid, "VmHWM"), anon: statusBytes(pid, "RssAnon"), file: statusBytes(pid, "RssFile") });
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const line = (label: string, r: Rss, ref: Rss) =>
  `${label.padEnd(12)} RSS ${mb(r.rss)} (${(r.rss / ref.rss).toFixed(2)}x), peak ${mb(r.peak)} (${(r.peak / ref.peak).toFixed(2)}x), anon ${mb(r.anon)}, file ${mb(r.file)}`;

const dir = mkdtempSync(join(tmpdir(), "osq-bench-watcher-"));
try {
  // The reference waits as long as the watcher does, so both have settled.
  writeFileSync(join(dir, "hello.ts"), `console.log("hello");\nawait Bun.sleep(${(SECONDS + 1) * 1000});\n`);
  const hello = join(dir, "hello");
  const build = Bun.spawnSync([process.execPath, "build", "--compile", join(dir, "hello.ts"), "--outfile", hello], { stdout: "ignore" });
  if (build.exitCode !== 0) throw new Error("could not compile the hello-world reference");
  writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ schedule: { one: { query: "SELECT 1", interval: 1 } } }));

  const ref = Bun.spawn([hello], { stdout: "ignore" });
  const daemon = Bun.spawn(
    [OSQUERYD, `--config_path=${join(dir, "osquery.conf")}`, `--database_path=${join(dir, "db")}`, `--logger_path=${join(dir, "logs")}`, `--pidfile=${join(dir, "pid")}`],
    { stdout: "ignore", stderr: "inherit" },
  );
  const worker = await workerOf(daemon.pid);
  await Bun.sleep(SECONDS * 1000);
  const floor = rssOf(ref.pid);
  const watcher = rssOf(daemon.pid);
  const work = rssOf(worker);
  daemon.kill("SIGTERM");
  const code = await daemon.exited;
  ref.kill();
  await ref.exited;
  console.log(`after ${SECONDS} s (osqueryd exit ${code}); ratios against the hello-world:`);
  console.log(line("hello-world", floor, floor));
  console.log(line("watcher", watcher, floor) + `  (target <= 1.3x: ${watcher.rss / floor.rss <= 1.3 ? "meets" : "misses"})`);
  console.log(line("worker", work, floor));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
