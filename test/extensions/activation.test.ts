// Choosing an extension's plugin waits, as osquery's setActive does, until the
// owner answers a ping on <em>.<uuid>: an extension registers first and binds
// its socket after the reply, and a genConfig sent in between would fail.
// The manager runs in this process on a real socket; the extension is a
// separate Thrift server started late.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags } from "../../src/flags/flags.ts";
import { awaitExtensionPlugin, setManagedExtensions, startExtensionManager } from "../../src/extensions/manager.ts";
import { connectExtensionClient, serveThrift, type ThriftServer } from "../../src/extensions/thrift.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-activate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("awaitExtensionPlugin returns once the plugin's owner serves its socket, not when it registers", async () => {
  const socket = join(dir, "em");
  expect(flags.set("extensions_socket", socket, "cli")).toBeNull();
  expect(flags.set("extensions_timeout", "10", "cli")).toBeNull();
  const manager = await startExtensionManager();
  if (!manager) throw new Error(`no manager on ${socket}`);
  setManagedExtensions(1);
  const client = await connectExtensionClient(socket, { timeoutMs: 10_000 });
  let server: ThriftServer | null = null;
  try {
    const s = await client.registerExtension({ name: "late", version: "1", sdk_version: "1.8.0", min_sdk_version: "1.8.0" }, { config: { late_config: [] } });
    expect(s.code).toBe(0);
    const t0 = performance.now();
    const ready = awaitExtensionPlugin("config", "late_config");
    const readyAt = ready.then(() => performance.now());
    await Bun.sleep(500);
    server = await serveThrift(`${socket}.${s.uuid}`, {
      ping: () => ({ code: 0, message: "pong", uuid: s.uuid }),
      call: () => ({ status: { code: 0, message: "OK", uuid: s.uuid }, response: [] }),
      shutdown: () => {},
    });
    expect(await ready).toBe(true);
    // Resolved only once the socket was served, half a second after registration.
    expect((await readyAt) - t0).toBeGreaterThanOrEqual(500);
    // A plugin nobody broadcasts is not found, after the wait.
    expect(flags.set("extensions_timeout", "1", "cli")).toBeNull();
    expect(await awaitExtensionPlugin("config", "never_there")).toBe(false);
  } finally {
    // Flags are this test process's globals: their defaults go back for the files after this one.
    flags.set("extensions_socket", "/var/osquery/osquery.em", "cli");
    flags.set("extensions_timeout", "3", "cli");
    setManagedExtensions(0);
    client.close();
    await server?.close();
    await manager.close();
  }
}, 30_000);
