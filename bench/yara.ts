// The embedded YARA engine's cost, run on demand (`bun bench/yara.ts`):
//   1. its share of dist/osq: the size of libyara-wasm's module (wasm inline),
//      which `bun build --compile` embeds;
//   2. start-up: `osqueryi "select 1"` must not load it (the yara tables import
//      it on their first scan), so it is timed against a first yara_file scan
//      of a one-line file, whose difference is the engine's load and compile.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OSQUERYI = join(ROOT, "dist/osqueryi");

function median(cmd: string[], runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const r = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "ignore" });
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}`);
    if (i >= 2) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const engine = statSync(join(ROOT, "node_modules/libyara-wasm/dist/libyara-wasm.js")).size;
const binary = statSync(join(ROOT, "dist/osq")).size;
console.log(`libyara-wasm module: ${(engine / 1e6).toFixed(2)} MB of dist/osq's ${(binary / 1e6).toFixed(1)} MB`);

const dir = mkdtempSync(join(tmpdir(), "osq-bench-yara-"));
try {
  const file = join(dir, "f.txt");
  writeFileSync(file, "hello\n");
  const select1 = median([OSQUERYI, "select 1"], 20);
  const scan = median([OSQUERYI, "--yara_delay=0", `select count from yara_file where path = '${file}' and sigrule = 'rule r { strings: $a = "hello" condition: $a }'`], 20);
  console.log(`osqueryi "select 1": ${select1.toFixed(1)} ms; first yara_file scan: ${scan.toFixed(1)} ms (engine load and compile: ${(scan - select1).toFixed(1)} ms, paid only by yara queries)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
