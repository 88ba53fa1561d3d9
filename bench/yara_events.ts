// yara_events' scans and the main thread, run on demand (`bun bench/yara_events.ts [MB]`):
// the longest the event loop goes without running a 1 ms timer while one file
// of MB megabytes (40 by default) is scanned, through the scan thread
// (src/yara/scan_thread.ts, as the subscriber does) and, for reference in the
// same run, on the main thread (what scanning in the inotify callback would cost).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileRules } from "../src/yara/engine.ts";
import { scanFile, type FileScanRequest, type FileScanResult } from "../src/yara/file_scan.ts";
import { ScanThread } from "../src/yara/scan_thread.ts";

const mb = Number(process.argv[2] ?? 40);

/** The scan's wall time and the longest gap between 1 ms ticks meanwhile. */
async function measure(scan: () => Promise<FileScanResult>): Promise<{ ms: number; stall: number; result: FileScanResult }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t = performance.now();
  const result = await scan();
  const ms = performance.now() - t;
  // One more tick, so a stall at the very end is counted.
  await Bun.sleep(5);
  clearInterval(tick);
  return { ms, stall, result };
}

const dir = mkdtempSync(join(tmpdir(), "osq-bench-yara-events-"));
const thread = new ScanThread(() => {});
try {
  const file = join(dir, "big");
  const data = Buffer.alloc(mb * 1024 * 1024, 0x61);
  data.write("OSQ_BENCH_MARK", data.length - 100);
  writeFileSync(file, data);
  const compiled = await compileRules([{ text: 'rule mark { strings: $m = "OSQ_BENCH_MARK" condition: $m }' }]);
  if (!compiled.ok) throw new Error("the bench rule does not compile");
  const req: FileScanRequest = { path: file, sets: [compiled.rules] };
  // The thread's start (module and engine load) is paid by the first scan: warm both paths up once.
  await thread.scan(req);
  await scanFile(req);
  const threaded = await measure(() => thread.scan(req));
  const inline = await measure(() => scanFile(req));
  for (const [name, m] of [["scan thread", threaded], ["main thread", inline]] as const) {
    if (!("matches" in m.result) || m.result.matches[0]?.strings[0]?.offset !== data.length - 100) throw new Error(`${name}: wrong result ${JSON.stringify(m.result)}`);
  }
  console.log(`${mb} MB file, scan thread: scan ${threaded.ms.toFixed(0)} ms, longest event-loop stall ${threaded.stall.toFixed(1)} ms`);
  console.log(`${mb} MB file, main thread (reference): scan ${inline.ms.toFixed(0)} ms, longest event-loop stall ${inline.stall.toFixed(1)} ms`);
  console.log(`stall ratio scan thread / main thread: ${(threaded.stall / inline.stall).toFixed(3)}`);
} finally {
  thread.stop();
  rmSync(dir, { recursive: true, force: true });
}
