// The cost of per-query limits (issue 9), run on demand (`bun bench/limits.ts`),
// never as a test. Each query runs with no limit and with a timeout (which
// turns on the checkpoints: tables read through checkpointed views, rows
// stepped one by one) and a max_rows, alternately, so both see the same
// machine; the figure is the ratio of the medians. Two views of it:
//   1. in this process, through the query path (src/sql/engine.ts): the
//      mechanism's own cost, without process start-up around it;
//   2. the compiled dist/osqueryi, --query_timeout=0 against
//      --query_timeout=300 --query_max_rows=1000000: what a user pays.
// Target: the limits add at most 10% to `select pid, name, cmdline from processes`.
// A third, in-process figure is the worst case: 100,000 rows made by SQLite
// alone, where the checkpoint and the row-by-row stepping are all the work.
import { join } from "node:path";
import { runQuery, type QueryLimits } from "../src/sql/engine.ts";

const ROOT = join(import.meta.dir, "..");
const OSQUERYI = join(ROOT, "dist/osqueryi");
const LIMITED: QueryLimits = { timeout: 300, maxRows: 1_000_000 };
const QUERIES = ["select 1", "select pid, name, cmdline from processes"];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Medians in ms of `run(false)` and `run(true)`, interleaved, after warm-up runs. */
async function pair(runs: number, run: (limited: boolean) => Promise<void> | void): Promise<[number, number]> {
  const plain: number[] = [];
  const limited: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    for (const withLimits of i % 2 === 0 ? [false, true] : [true, false]) {
      const t = performance.now();
      await run(withLimits);
      const ms = performance.now() - t;
      if (i >= 3) (withLimits ? limited : plain).push(ms);
    }
  }
  return [median(plain), median(limited)];
}

function report(label: string, [plain, limited]: [number, number], target: number | null): void {
  const ratio = limited / plain;
  const verdict = target === null ? "" : ` (target ${target}x: ${ratio <= target ? "meets" : "misses"})`;
  const added = limited - plain;
  console.log(`${label}: ${plain.toFixed(3)} ms without limits, ${limited.toFixed(3)} ms with (${added >= 0 ? "+" : ""}${added.toFixed(3)} ms) = ${ratio.toFixed(3)}x${verdict}`);
}

const MANY_ROWS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100000) SELECT x, 'row ' || x FROM c";
for (const sql of QUERIES) {
  const target = sql.includes("processes") ? 1.1 : null;
  report(`in-process "${sql}"`, await pair(200, async (l) => void (await runQuery(sql, l ? { limits: LIMITED } : {}))), target);
}
report("in-process 100,000 rows from a recursive CTE", await pair(10, async (l) => void (await runQuery(MANY_ROWS, l ? { limits: LIMITED } : {}))), null);
for (const sql of QUERIES) {
  const target = sql.includes("processes") ? 1.1 : null;
  const args = (l: boolean) => (l ? ["--query_timeout=300", "--query_max_rows=1000000"] : ["--query_timeout=0"]);
  report(
    `dist/osqueryi "${sql}"`,
    await pair(60, (l) => {
      const r = Bun.spawnSync([OSQUERYI, "--list", ...args(l), sql], { stdout: "ignore", stderr: "ignore" });
      if (r.exitCode !== 0) throw new Error(`osqueryi ${sql} exited ${r.exitCode}`);
    }),
    target,
  );
}
