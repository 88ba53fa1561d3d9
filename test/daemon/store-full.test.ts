// The LMDB store on a real full filesystem (a 2 MiB tmpfs; mounting needs
// root): a refused commit is a one-line StoreError, changes nothing, leaves no
// unhandled rejection behind (the preload would fail the run), and the store
// takes writes again once there is room.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, StoreError } from "../../src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-store-full-"));

beforeAll(() => {
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir]);
  if (r.exitCode !== 0) throw new Error(`this test needs to mount a tmpfs (run it as root): ${r.stderr.toString().trim()}`);
});

afterAll(() => {
  // Lazily: a store a failed test left open must not keep the temp dir mounted.
  Bun.spawnSync(["umount", "-l", dir]);
  rmSync(dir, { recursive: true, force: true });
});

function fillUp(path: string): void {
  const fd = openSync(path, "w");
  try {
    for (const size of [65536, 4096, 1]) {
      try {
        for (;;) writeSync(fd, Buffer.alloc(size));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}

test("a commit on a full filesystem is refused cleanly and the store goes on", async () => {
  const store = await openStore(join(dir, "osquery.db"));
  try {
    await store.write((w) => w.put("queries", "kept", "before"));
    fillUp(join(dir, "filler"));

    for (let i = 0; i < 5; i++) {
      const refused = await store
        .write((w) => {
          w.put("queries", "kept", `after ${i}`);
          w.put("queries", `new${i}`, "x".repeat(10000));
        })
        .then(() => null, (e: unknown) => e);
      expect(refused).toBeInstanceOf(StoreError);
      expect((refused as StoreError).message).toBe("No space left on device");
      expect((refused as StoreError).errno).toBe(28);
    }
    // Nothing of the refused transactions is visible.
    expect(store.get("queries", "kept")).toBe("before");
    expect(store.keys("queries")).toEqual(["kept"]);

    rmSync(join(dir, "filler"));
    await store.write((w) => w.put("queries", "kept", "resumed"));
    expect(store.get("queries", "kept")).toBe("resumed");
  } finally {
    await store.close();
  }
});
