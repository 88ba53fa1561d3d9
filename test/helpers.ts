// Shared test helpers: run the compiled binary, or a table's generator directly.
import { existsSync } from "node:fs";
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
export function osq(args: readonly string[], opts: { stdin?: string; bin?: string; env?: Record<string, string> } = {}): RunResult {
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const r = Bun.spawnSync([opts.bin ?? OSQUERYI, ...args], {
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

/**
 * Runs the shell `script` as root in a private mount namespace (mounts made
 * there, such as a tmpfs over /home or a fixture bound over /etc/passwd,
 * vanish with it and never touch the host), then `sql` through the compiled
 * shell inside it, and returns the rows. Throws, naming what is missing, when
 * the test cannot set that up.
 */
export function queryInMountNamespace(script: string, sql: string): Record<string, string>[] {
  if (process.getuid?.() !== 0) throw new Error("this test mounts filesystems in a private mount namespace and must run as root");
  if (Bun.which("unshare") === null) throw new Error("unshare is missing (Debian package util-linux)");
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const r = Bun.spawnSync(["unshare", "--mount", "--propagation", "private", "sh", "-ec", `${script}\n"$OSQ" --json "$SQL"`], {
    env: { ...process.env, OSQ: OSQUERYI, SQL: sql },
  });
  if (r.exitCode !== 0) throw new Error(`the namespace script failed (${r.exitCode}): ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as Record<string, string>[];
}
