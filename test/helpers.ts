// Shared test helpers: run the compiled binary, or a table's generator directly.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Op, QueryContext, type Constraint, type OpCode, type Row, type Table } from "../src/table.ts";

export const ROOT = join(import.meta.dir, "..");
export const OSQ = join(ROOT, "dist/osq");
export const OSQUERYI = join(ROOT, "dist/osqueryi");
export const OSQUERYD = join(ROOT, "dist/osqueryd");
export const SHARED = join(ROOT, "../shared/osquery");

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs dist/osqueryi (or another role link) with arguments and optional stdin. */
export function osq(args: readonly string[], opts: { stdin?: string; bin?: string; env?: Record<string, string>; cwd?: string } = {}): RunResult {
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const r = Bun.spawnSync([opts.bin ?? OSQUERYI, ...args], {
    cwd: opts.cwd,
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    env: { ...process.env, ...opts.env },
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Runs one query through the compiled shell with --json and returns its rows. */
export function query(sql: string, extraArgs: readonly string[] = []): Record<string, string>[] {
  const r = osq(["--json", ...extraArgs, sql]);
  if (r.code !== 0) throw new Error(`osqueryi failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>[];
}

/** Calls a table's generator with literal constraints, e.g. { path: ["=", "/etc/hosts"] }. */
export async function generate(table: Table, constraints: Record<string, [string, string][]> = {}): Promise<Row[]> {
  const ops: Record<string, OpCode> = { "=": Op.EQUALS, ">": Op.GREATER_THAN, ">=": Op.GREATER_THAN_OR_EQUALS, "<": Op.LESS_THAN, "<=": Op.LESS_THAN_OR_EQUALS, LIKE: Op.LIKE, GLOB: Op.GLOB };
  const map = new Map<string, Constraint[]>();
  for (const [col, list] of Object.entries(constraints)) {
    map.set(col, list.map(([op, expr]) => ({ op: ops[op] ?? Op.EQUALS, expr })));
  }
  return await table.generate(new QueryContext(map));
}

const GNU_TIME = "/usr/bin/time";

/**
 * Runs argv under GNU time (Debian package `time`) and returns its result and
 * peak resident set in bytes. Bun's resourceUsage().maxRSS is no use here: it
 * is the largest of every child the test process has reaped so far.
 */
export async function runWithPeakRss(argv: readonly string[], timeoutMs = 30_000): Promise<RunResult & { readonly peakRssBytes: number }> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install the Debian package "time"`);
  const dir = mkdtempSync(join(tmpdir(), "osq-rss-"));
  try {
    const report = join(dir, "rss");
    const proc = Bun.spawn([GNU_TIME, "-f", "%M", "-o", report, ...argv], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    // GNU time writes "Command exited with non-zero status N" before the figure when the command fails.
    const kib = Number(readFileSync(report, "utf8").trim().split("\n").pop());
    if (!Number.isFinite(kib)) throw new Error(`${GNU_TIME} reported no peak RSS for ${argv[0]}`);
    return { code, stdout, stderr, peakRssBytes: kib * 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
