// Watcher benchmark, run on demand (`bun bench/watcher.ts [seconds] [osqueryd]`),
// never as a test; another osqueryd (an older build) may be named to compare. Starts dist/osqueryd with the watchdog on and a one-query schedule,
// and after `seconds` (10 by default) reports the watcher's and the worker's
// RSS beside a compiled Bun hello-world's, measured in the same run. Target
// (issue 9): the watcher at most 1.3x the hello-world.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileHelloWorld, mb, sameCacheCopy, statusBytes, workerOf } from "./procfs.ts";

const ROOT = join(import.meta.dir, "..");
const OSQUERYD = process.argv[3] ?? join(ROOT, "dist/osqueryd");
const SECONDS = Number(process.argv[2] ?? 10);

interface Rss {
  readonly rss: number;
  readonly peak: number;
  readonly anon: number;
  readonly file: number;
}

const rssOf = (pid: number): Rss => ({ rss: statusBytes(pid, "VmRSS"), peak: statusBytes(pid, "VmHWM"), anon: statusBytes(pid, "RssAnon"), file: statusBytes(pid, "RssFile") });
const line = (label: string, r: Rss, ref: Rss) =>
  `${label.padEnd(12)} RSS ${mb(r.rss)} (${(r.rss / ref.rss).toFixed(2)}x), peak ${mb(r.peak)} (${(r.peak / ref.peak).toFixed(2)}x), anon ${mb(r.anon)}, file ${mb(r.file)}`;

const dir = mkdtempSync(join(tmpdir(), "osq-bench-watcher-"));
try {
  // The reference waits as long as the watcher does, so both have settled.
  // Both copied the same way first (sameCacheCopy says why).
  const hello = sameCacheCopy(dir, compileHelloWorld(dir, (SECONDS + 1) * 1000), "hello");
  const osqueryd = sameCacheCopy(dir, OSQUERYD, "osq", "osqueryd");
  writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ schedule: { one: { query: "SELECT 1", interval: 1 } } }));

  const ref = Bun.spawn([hello], { stdout: "ignore" });
  const daemon = Bun.spawn(
    [osqueryd, `--config_path=${join(dir, "osquery.conf")}`, `--database_path=${join(dir, "db")}`, `--logger_path=${join(dir, "logs")}`, `--pidfile=${join(dir, "pid")}`],
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
