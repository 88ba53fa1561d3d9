// Benchmarks, run on demand (`npm run bench`), never as tests. Each figure is a
// ratio against a reference measured in the same run on the same machine:
//   1. `osqueryi "select 1"` against a compiled Bun hello-world (the runtime's floor)
//   2. `select pid, name, cmdline from processes` against `ps -eo pid,comm,args`,
//      with 1,000 extra sleeping processes started here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OSQUERYI = join(ROOT, "dist/osqueryi");

function timeRuns(cmd: string[], runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const r = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "ignore" });
    const ms = performance.now() - t;
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}`);
    if (i >= 2) samples.push(ms); // two warm-up runs fill the page cache
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function buildHelloWorld(): string {
  const dir = mkdtempSync(join(tmpdir(), "osq-bench-"));
  writeFileSync(join(dir, "hello.ts"), 'console.log("hello");\n');
  const out = join(dir, "hello");
  const r = Bun.spawnSync([process.execPath, "build", "--compile", join(dir, "hello.ts"), "--outfile", out], { stdout: "ignore" });
  if (r.exitCode !== 0) throw new Error("could not compile the hello-world reference");
  return out;
}

function report(label: string, mine: number, ref: number, target: number): void {
  const ratio = mine / ref;
  const verdict = ratio <= target ? "meets" : "misses";
  console.log(`${label}: ${mine.toFixed(1)} ms vs ${ref.toFixed(1)} ms = ${ratio.toFixed(2)}x (target ${target}x: ${verdict})`);
}

const hello = buildHelloWorld();
const floor = timeRuns([hello], 30);
const select1 = timeRuns([OSQUERYI, "select 1"], 30);
report('osqueryi "select 1" vs compiled Bun hello-world', select1, floor, 3);

const sleepers = Array.from({ length: 1000 }, () => Bun.spawn(["sleep", "600"], { stdout: "ignore", stderr: "ignore" }));
try {
  await Bun.sleep(500);
  const ps = timeRuns(["ps", "-eo", "pid,comm,args"], 15);
  const osq = timeRuns([OSQUERYI, "--list", "select pid, name, cmdline from processes"], 15);
  report("processes (1,000 extra sleepers) vs ps -eo pid,comm,args", osq, ps, 4);
} finally {
  for (const s of sleepers) s.kill();
}
