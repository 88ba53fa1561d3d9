// Extension tables against built-in ones, through the compiled osqueryd and
// its Thrift query call (`bun bench/extensions.ts`, never a timed test):
//   1. rows per second from a 100,000-row table served by a Python extension
//      (Debian's python3-thrift) into `select count(*)`, beside 100,000 rows of
//      the built-in `file` table (a directory of 100,000 files made here);
//   2. the latency of `select * from pytable where id = 1` against a built-in
//      single-row lookup (`file where path = ...`), medians of 50 runs, and
//      how much of it is the extension's own answer (the same generate call
//      made straight to its socket).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectExtensionClient, type ExtensionClient } from "../src/extensions/thrift.ts";
import { startDaemon } from "../test/extensions/daemon.ts";
import { generatePython, spawnPython } from "../test/extensions/python_thrift.ts";

const ROWS = 100_000;
const RUNS = 50;

async function timed(client: ExtensionClient, sql: string): Promise<number> {
  const t = performance.now();
  const r = await client.query(sql);
  const ms = performance.now() - t;
  if (r.status.code !== 0) throw new Error(`${sql}: ${r.status.message}`);
  return ms;
}

async function median(client: ExtensionClient, sql: string, runs: number): Promise<number> {
  await timed(client, sql);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(client, sql));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const gen = generatePython();
const d = await startDaemon(["--extensions_require=pyext", "--extensions_timeout=30"]);
const files = join(d.dir, "files");
mkdirSync(files);
for (let i = 0; i < ROWS; i++) writeFileSync(join(files, `f${i}`), "");
const ext = spawnPython(gen, readFileSync(join(import.meta.dir, "../test/extensions/fixtures/py_extension.py"), "utf8"), [d.socket, join(d.dir, "calls"), String(ROWS)]);
const client = await connectExtensionClient(d.socket, { timeoutMs: 120_000 });
try {
  for (let i = 0; ; i++) {
    const r = await client.query("select count(*) as n from pytable");
    if (r.status.code === 0 && r.response[0]?.["n"] === String(ROWS)) break;
    if (i > 500) throw new Error(`pytable never answered ${ROWS} rows: ${r.status.message}`);
    await Bun.sleep(50);
  }
  const extMs = await median(client, "select count(*) from pytable", 5);
  const fileMs = await median(client, `select count(*) from file where directory = '${files}'`, 5);
  const extRate = ROWS / (extMs / 1000);
  const fileRate = ROWS / (fileMs / 1000);
  console.log(`rows/s, ${ROWS} rows into select count(*): Python extension ${Math.round(extRate)} (${extMs.toFixed(0)} ms), built-in file ${Math.round(fileRate)} (${fileMs.toFixed(0)} ms), ratio ${(extRate / fileRate).toFixed(2)}`);
  const one = await median(client, "select * from pytable where id = 1", RUNS);
  const builtin = await median(client, `select * from file where path = '${join(files, "f1")}'`, RUNS);
  const [uuid] = [...(await client.extensions()).keys()];
  const direct = await connectExtensionClient(`${d.socket}.${uuid}`, { timeoutMs: 120_000 });
  const context = JSON.stringify({ constraints: [{ name: "id", list: [{ op: 2, expr: "1" }], affinity: "BIGINT" }], colsUsed: ["id", "name"], colsUsedBitset: 3 });
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await direct.call("table", "pytable", { action: "generate", context });
    samples.push(performance.now() - t);
  }
  direct.close();
  const own = samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  console.log(
    `single-row latency: Python extension ${one.toFixed(2)} ms (its own answer ${own.toFixed(2)} ms), built-in file ${builtin.toFixed(2)} ms, ` +
      `ratio ${(one / builtin).toFixed(2)}, +${(one - builtin).toFixed(2)} ms`,
  );
} finally {
  client.close();
  ext.kill("SIGKILL");
  await d.stop();
  rmSync(gen, { recursive: true, force: true });
}
