// Records the profiles build.ts lays the executable's bytecode out by
// (scripts/bytecode-order/*.txt, most common start first): builds dist/osq
// without a profile, runs each common start with BUN_BYTECODE_ORDER_OUT, then
// builds again with the new profiles. Run it after large changes to the
// start-up path; a stale profile still works, it only helps less.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OUT = join(import.meta.dir, "bytecode-order");
const OSQUERYI = join(ROOT, "dist/osqueryi");

function run(cmd: string[], env: Record<string, string> = {}): void {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
}

const work = mkdtempSync(join(tmpdir(), "osq-order-"));
try {
  const files = join(work, "files");
  mkdirSync(files);
  for (let i = 0; i < 100; i++) writeFileSync(join(files, `f${i}`), "x");
  // Name order is priority order: the one-shot shell first (bench/run.ts's select1 row).
  const starts: [string, string[]][] = [
    ["1-select1", [OSQUERYI, "select 1"]],
    ["2-processes", [OSQUERYI, "--list", "select pid, name, cmdline from processes"]],
    ["3-file", [OSQUERYI, "--list", `select * from file where directory = '${files}'`]],
  ];
  run([process.execPath, "build.ts"], { OSQ_BYTECODE_ORDER: "none" });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const [name, cmd] of starts) run(cmd, { BUN_BYTECODE_ORDER_OUT: join(OUT, `${name}.txt`) });
  run([process.execPath, "build.ts"]);
  console.log(`recorded ${starts.length} profiles in ${OUT} and rebuilt dist/osq`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
