// The single libc binding: opened once and shared, and each family of calls
// that goes through it checked against a tool that does not share osq's code
// (util-linux flock, coreutils date).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libc } from "../../src/linux/libc.ts";
import { localZoneAbbreviation } from "../../src/linux/localtime.ts";
import { tryLock } from "../../src/store/lock.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-libc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env?: Record<string, string>): { code: number; out: string } {
  const r = Bun.spawnSync(args, { env: { ...process.env, ...env } });
  if (r.exitCode === null || (r.exitCode === 127 && r.stderr.toString().includes("not found"))) throw new Error(`${args[0]} is missing (util-linux / coreutils)`);
  return { code: r.exitCode, out: r.stdout.toString().trim() };
}

describe("libc binding", () => {
  test("opened once: every caller gets the same symbols", () => {
    const a = libc();
    expect(a).not.toBeNull();
    expect(libc()).toBe(a);
  });

  test("flock: a lock held through libc is seen by util-linux flock, and released", () => {
    const path = join(dir, "lockfile");
    const held = tryLock(path);
    if (typeof held === "string") throw new Error(`tryLock failed: ${held}`);
    expect(run(["flock", "-n", path, "true"]).code).toBe(1);
    held.release(false);
    expect(run(["flock", "-n", path, "true"]).code).toBe(0);
  });

  test("strftime %Z: the zone abbreviation date(1) prints", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(localZoneAbbreviation(now)).toBe(run(["date", "-d", `@${now}`, "+%Z"]).out);
  });
});
