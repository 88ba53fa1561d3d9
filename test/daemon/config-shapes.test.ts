// The shapes the config parsers accept, now read through valibot schemas
// (src/daemon/config-text.ts): each odd shape gives the result osquery's
// parsers give. Real config files in a temp dir, through the filesystem plugin.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../../src/daemon/config.ts";
import { ContainerSchema, JsonObjectSchema, StringItemsSchema, readAs } from "../../src/daemon/config-text.ts";
import { MemoryStore } from "../../src/store/store.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";

let dir: string;
let confPath: string;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-config-shapes-"));
  confPath = join(dir, "osquery.conf");
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function newConfig(): Config {
  const warn = (m: string) => void warnings.push(m);
  return new Config({
    plugin: new FilesystemConfigPlugin(() => confPath, warn),
    store: new MemoryStore(),
    hostname: "shapes-test-host",
    version: "5.20.0",
    now: () => 1_700_000_000,
    log: { info: () => {}, warn, error: warn, verbose: () => {} },
    returnsRows: async () => true,
    random: () => 0.5,
  });
}

async function load(body: unknown): Promise<Config> {
  writeFileSync(confPath, JSON.stringify(body));
  const config = newConfig();
  expect(await config.refresh()).toBeNull();
  return config;
}

describe("schemas", () => {
  test("a JSON object is an object that is not an array, passed through with every key", () => {
    const obj = JSON.parse('{"constructor": 1, "__proto__": 2}') as unknown;
    expect(readAs(JsonObjectSchema, obj, null)).toBe(obj as never);
    for (const other of [[], null, "x", 1, true]) expect(readAs(JsonObjectSchema, other, null)).toBeNull();
  });

  test("a container is an object or an array", () => {
    for (const yes of [{}, [], [1]]) expect(readAs(ContainerSchema, yes, null)).not.toBeNull();
    for (const no of [null, "x", 0, false]) expect(readAs(ContainerSchema, no, null)).toBeNull();
  });

  test("a string list keeps the strings of an array and refuses anything else", () => {
    expect(readAs(StringItemsSchema, ["a", 1, null, "b", ["c"]], null)).toEqual(["a", "b"]);
    expect(readAs(StringItemsSchema, { 0: "a" }, null)).toBeNull();
    expect(readAs(StringItemsSchema, "a", null)).toBeNull();
  });
});

describe("config shapes", () => {
  test("views: an array replaces the set with none; a view named like an Object method is kept", async () => {
    const config = await load({ views: { constructor: "select 1", toString: "select 2" } });
    expect([...config.views()]).toEqual([["constructor", "select 1"], ["toString", "select 2"]]);
    writeFileSync(confPath, JSON.stringify({ views: ["select 1"] }));
    expect(await config.refresh()).toBeNull();
    expect([...config.views()]).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test("views that are not a container: osquery's warning, and the set stays", async () => {
    const config = await load({ views: { a: "select 1" } });
    writeFileSync(confPath, JSON.stringify({ views: "select 2" }));
    expect(await config.refresh()).toBeNull();
    expect(warnings).toEqual(["Error config views should be an array or object"]);
    expect([...config.views()]).toEqual([["a", "select 1"]]);
  });

  test("file_paths: a category that is not an array and items that are not strings are skipped quietly", async () => {
    const config = await load({
      file_paths: { good: ["/tmp/a", 7, "/tmp/b"], bad: "/tmp/c", none: [1, ""] },
      file_accesses: ["good", 3],
    });
    const files = config.files().get(confPath)!;
    expect([...files.filePaths]).toEqual([["good", ["/tmp/a", "/tmp/b"]]]);
    expect(files.fileAccesses).toEqual(["good"]);
    expect(warnings).toEqual([]);
  });

  test("file_accesses and exclude_paths count only next to something to watch", async () => {
    const config = await load({ file_accesses: ["x"], exclude_paths: { x: ["/tmp/x"] } });
    const files = config.files().get(confPath)!;
    expect(files.fileAccesses).toEqual([]);
    expect([...files.excludePaths]).toEqual([]);
  });

  test("schedule and packs of another shape are ignored without a word", async () => {
    const config = await load({ schedule: [{ query: "select 1" }], packs: { a: 7, b: null, c: ["x"] } });
    expect(config.packs()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
