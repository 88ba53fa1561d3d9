// The carver in the compiled daemon: a scheduled query requests carves of a
// test file, the scheduler starts pending carves on its 60th tick (a tick is a
// Unix second), and with no TLS server to take the upload the carve ends as
// DATA POST FAILED after its archive was made and hashed. The records are read
// from LMDB with lmdb-js, not osq's store. Everything lives in a temp dir.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DaemonFixture } from "../daemon_fixture.ts";

let d: DaemonFixture;
let dir = "";
beforeAll(() => {
  d = new DaemonFixture("osq-e2e-carver-");
  dir = d.dir;
  mkdirSync(join(dir, "tmp"));
  writeFileSync(join(dir, "secret.txt"), "carve me\n");
  d.writeConfig({ schedule: { carve_it: { query: `SELECT * FROM carves WHERE carve = 1 AND path = '${join(dir, "secret.txt")}'`, interval: 1 } } });
});
afterAll(() => d.cleanup());

async function carveRecords(db: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(db)) throw new Error(`the daemon left no database at ${db}`);
  const { open } = await import("lmdb");
  const env = open({ path: db, maxDbs: 16 });
  try {
    const carves = env.openDB({ name: "carves", encoding: "string" });
    const out: Record<string, unknown>[] = [];
    for (const { key, value } of carves.getRange({})) {
      expect(String(key).startsWith("carves.")).toBe(true);
      out.push(JSON.parse(String(value)) as Record<string, unknown>);
    }
    return out;
  } finally {
    await env.close();
  }
}

test(
  "pending carves start on the 60th tick; with no server to take the upload they end as DATA POST FAILED, archived and hashed, temp dir removed",
  async () => {
    // Start a few seconds before a minute boundary, so the 60th tick comes soon.
    const wait = (56 - (Math.floor(Date.now() / 1000) % 60) + 60) % 60;
    await Bun.sleep(wait * 1000);
    const db = d.path("osquery.db");
    const argv = d.argv([
      "--disable_watchdog",
      "--disable_carver=false",
      "--disable_enrollment=true",
      "--carver_start_endpoint=/api/v1/osquery/carve/begin",
      "--carver_continue_endpoint=/api/v1/osquery/carve/block",
      "--schedule_timeout=8",
    ]);
    const p = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe", stdin: "ignore", env: { ...process.env, TMPDIR: join(dir, "tmp") } });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`osqueryd exited ${code}: ${stderr}`);
    const records = await carveRecords(db);
    const failed = records.filter((r) => r.status === "DATA POST FAILED");
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) {
      expect(r.path).toBe(join(dir, "secret.txt"));
      expect(r.size).toBeGreaterThanOrEqual(2048);
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // Requests made after the carver's pass began wait for the next one.
    for (const r of records) expect(["DATA POST FAILED", "SCHEDULED"]).toContain(r.status as string);
    expect(readdirSync(join(dir, "tmp")).filter((n) => n.startsWith("osquery_carve_"))).toEqual([]);
  },
  100_000,
);
