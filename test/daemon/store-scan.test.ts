// Bounded key scans on a real LMDB file and on the in-memory store, which must
// agree: a limit, the last key first, and counts without reading keys out,
// at the edges of a prefix range (the bare prefix key, the key just past it).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, openStore, type Store } from "../../src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-store-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ["a", "b", "b_1", "b_2", "b_3", "c", "c_0"];

async function filled(store: Store): Promise<Store> {
  await store.write((w) => {
    for (const k of KEYS) w.put("logs", k, `v${k}`);
    w.put("events", "b_9", "another domain");
  });
  return store;
}

for (const [name, make] of [
  ["lmdb", () => openStore(join(dir, "scan.db"))],
  ["memory", async () => new MemoryStore() as Store],
] as const) {
  describe(name, () => {
    test("limit and reverse stay inside the prefix", async () => {
      const s = await filled(await make());
      expect(s.keys("logs", "b_", { limit: 2 })).toEqual(["b_1", "b_2"]);
      expect(s.keys("logs", "b_", { reverse: true })).toEqual(["b_3", "b_2", "b_1"]);
      expect(s.keys("logs", "b_", { reverse: true, limit: 1 })).toEqual(["b_3"]);
      // "c" is the bumped bound of "b"; "b" itself is in its own range.
      expect(s.keys("logs", "b", { reverse: true })).toEqual(["b_3", "b_2", "b_1", "b"]);
      expect(s.keys("logs", "b", { reverse: true, limit: 2 })).toEqual(["b_3", "b_2"]);
      expect(s.keys("logs", "", { reverse: true, limit: 2 })).toEqual(["c_0", "c"]);
      expect(s.keys("logs", "z", { reverse: true, limit: 1 })).toEqual([]);
      await s.close();
    });

    test("count counts a prefix without reading it out", async () => {
      const s = await filled(await make());
      expect(s.count("logs", "b_")).toBe(3);
      expect(s.count("logs", "b")).toBe(4);
      expect(s.count("logs")).toBe(KEYS.length);
      expect(s.count("events", "b")).toBe(1);
      expect(s.count("logs", "z")).toBe(0);
      await s.close();
    });
  });
}
