// dist/osq copied alone into an empty directory, with no node_modules in
// reach, still opens an LMDB database: the native addon is embedded.
import { expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQ } from "../helpers.ts";

test("a lone copy of dist/osq opens LMDB and keeps state in it", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-alone-"));
  copyFileSync(OSQ, join(dir, "osq"));
  symlinkSync("osq", join(dir, "osqueryi"));
  const db = join(dir, "db");
  const run = () =>
    Bun.spawnSync([join(dir, "osqueryi"), `--database_path=${db}`, "--json", "select instance_id from osquery_info"], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", HOME: dir },
    });
  const first = run();
  expect(first.stderr.toString()).toBe("");
  expect(first.exitCode).toBe(0);
  expect(existsSync(join(db, "data.mdb"))).toBe(true);
  const id = (JSON.parse(first.stdout.toString()) as { instance_id: string }[])[0]!.instance_id;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  // The second run reads the id the first one stored.
  const second = JSON.parse(run().stdout.toString()) as { instance_id: string }[];
  expect(second[0]!.instance_id).toBe(id);
});

test("an unusable --database_path is one clear error", () => {
  const r = Bun.spawnSync([OSQ, "--database_path=/proc/version/nope", "select 1"]);
  expect(r.stderr.toString()).toMatch(/^Error: cannot open the database at \/proc\/version\/nope: .+\n$/);
  expect(r.exitCode).toBe(78);
});
