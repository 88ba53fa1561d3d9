// suid_bin: the setuid/setgid files find(1) sees under the same roots, and a fixture tree.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import suidBin, { SEARCH_PATHS, suidRows } from "../../../tables/files/suid_bin.ts";
import { generate, query } from "../../helpers.ts";

let dir = "";

/** find -H: follow the roots themselves, never symlinked subdirectories; -L stat for the mode. */
function findSuid(roots: readonly string[]): string[] {
  const existing = roots.filter((r) => Bun.spawnSync(["test", "-e", r]).exitCode === 0);
  if (existing.length === 0) return [];
  const script = `find -H "$@" -xtype f -print0 2>/dev/null | xargs -0 -r stat -L -c '%f %n' 2>/dev/null`;
  const out = Bun.spawnSync(["sh", "-c", script, "sh", ...existing]).stdout.toString();
  return out.split("\n").filter(Boolean)
    .filter((l) => (Number.parseInt(l.split(" ")[0]!, 16) & 0o6000) !== 0)
    .map((l) => l.slice(l.indexOf(" ") + 1))
    .sort();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-suid-"));
  mkdirSync(join(dir, "bin/nested"), { recursive: true });
  mkdirSync(join(dir, "elsewhere"));
  for (const [name, mode] of [["bin/suid", 0o4755], ["bin/sgid", 0o2755], ["bin/both", 0o6755], ["bin/plain", 0o755], ["bin/nested/deep", 0o4700], ["elsewhere/hidden", 0o4755]] as const) {
    writeFileSync(join(dir, name), "#!/bin/sh\n");
    chmodSync(join(dir, name), mode);
  }
  symlinkSync(join(dir, "elsewhere"), join(dir, "bin/linkdir"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("suid_bin", () => {
  test("fixture: S/G/SG, recursion, symlinked subdirectories not followed", () => {
    const rows = suidRows({ root: "" }, [join(dir, "bin")]);
    const byPath = Object.fromEntries(rows.map((r) => [String(r.path).slice(dir.length + 1), r.permissions]));
    expect(byPath).toEqual({ "bin/suid": "S", "bin/sgid": "G", "bin/both": "SG", "bin/nested/deep": "S" });
    const owner = Bun.spawnSync(["stat", "-c", "%U %G", join(dir, "bin/suid")]).stdout.toString().trim();
    const row = rows.find((r) => String(r.path).endsWith("/bin/suid"))!;
    expect(`${row.username} ${row.groupname}`).toBe(owner);
  });

  test("the live system: the same files find(1) reports", async () => {
    const rows = await generate(suidBin);
    expect(rows.map((r) => String(r.path)).sort()).toEqual(findSuid(SEARCH_PATHS));
  });

  test("end to end through the binary", () => {
    const rows = query("SELECT path, permissions FROM suid_bin").map((r) => r.path).sort();
    expect(rows).toEqual(findSuid(SEARCH_PATHS));
  });
});
