// openShellStore (the store --database_dump reads in the shell) returns a
// Result: ok(null) when no database was asked for, ok(store) for a real LMDB
// environment, err(text) when the path cannot hold one.
import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags } from "../../src/flags/flags.ts";
import { FLAG_BY_NAME } from "../../src/flags/registry.ts";
import { openShellStore } from "../../src/shell/database.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-shell-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Tests share one process: put the flag back as it was, unset.
afterEach(() => {
  flags.set("database_path", FLAG_BY_NAME.get("database_path")!.defaultValue, "default");
});

test("no --database_path: ok, and no store", async () => {
  expect(flags.isSet("database_path")).toBe(false);
  expect(await openShellStore()).toEqual({ ok: true, value: null });
});

test("a --database_path: ok, with the LMDB store at that path", async () => {
  const path = join(dir, "db");
  flags.set("database_path", path, "cli");
  const r = await openShellStore();
  if (!r.ok) throw new Error(`expected a store, got: ${r.error}`);
  const store = r.value;
  if (!store) throw new Error("expected a store, got none");
  expect(store.path).toBe(path);
  await store.write((w) => w.put("configurations", "k", "v"));
  expect(store.get("configurations", "k")).toBe("v");
  await store.close();
});

test("a --database_path under a regular file: err, with the path and the reason", async () => {
  const file = join(dir, "plain");
  writeFileSync(file, "");
  const path = join(file, "db");
  flags.set("database_path", path, "cli");
  const r = await openShellStore();
  if (r.ok) throw new Error(`expected an error, got ${r.value ? "a store" : "no store"}`);
  expect(r.error).toStartWith(`cannot open the database at ${path}: `);
  expect(r.error).not.toContain("\n");
});
