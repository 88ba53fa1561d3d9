// Shared by the apps, containers and cloud e2e tests: whether the compiled
// binary can run a query yet (the SQL engine is being built in parallel).
import { existsSync } from "node:fs";
import { OSQ, OSQUERYI, osq } from "../../helpers.ts";

let ready: boolean | undefined;

/** True when dist/osqueryi answers `select 1`; e2e suites skip themselves otherwise. */
export function engineReady(): boolean {
  if (ready !== undefined) return ready;
  ready = false;
  if (!existsSync(OSQ)) return ready;
  try {
    const r = osq(["--json", "select 1 as one"]);
    ready = r.code === 0 && (JSON.parse(r.stdout) as { one: string }[])[0]?.one === "1";
  } catch {
    ready = false;
  }
  if (!ready) console.warn("e2e skipped: dist/osqueryi cannot run `select 1` yet (build it with `bun build.ts`)");
  return ready;
}

/**
 * query() for tests whose server runs in this process: Bun.spawnSync would
 * block the event loop the server needs, so this spawns asynchronously.
 */
export async function queryAsync(sql: string, extraArgs: readonly string[] = []): Promise<Record<string, string>[]> {
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const proc = Bun.spawn([OSQUERYI, "--json", ...extraArgs, sql], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`osqueryi failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as Record<string, string>[];
}
