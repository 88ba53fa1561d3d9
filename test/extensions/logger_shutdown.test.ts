// A logger extension that stops answering does not hold osqueryd's shutdown
// until the alarm: lines still in flight get a short grace, then the daemon
// exits normally.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectExtensionClient, serveThrift } from "../../src/extensions/thrift.ts";
import { startDaemon } from "./daemon.ts";

test("SIGTERM with a hung logger extension exits 0 within a few seconds", async () => {
  const d = await startDaemon(["--extensions_require=hang", "--extensions_timeout=20", "--logger_plugin=hanglog"], {
    beforeStart: (dir) => writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ schedule: { tick: { query: "SELECT 1 AS one", interval: 1 } } })),
  });
  const manager = await connectExtensionClient(d.socket, { timeoutMs: 10_000 });
  const s = await manager.registerExtension({ name: "hang", version: "1", sdk_version: "1.8.0", min_sdk_version: "1.8.0" }, { logger: { hanglog: [] } });
  expect(s.code).toBe(0);
  let hung = false;
  const server = await serveThrift(`${d.socket}.${s.uuid}`, {
    ping: () => ({ code: 0, message: "pong", uuid: s.uuid }),
    call: (_registry, _item, request) => {
      if (request["string"] === undefined) return { status: { code: 0, message: "OK", uuid: s.uuid }, response: [] };
      hung = true;
      return new Promise(() => {});
    },
    shutdown: () => {},
  });
  try {
    const deadline = Date.now() + 20_000;
    while (!hung && Date.now() < deadline) await Bun.sleep(50);
    expect(hung).toBe(true);
    const t = performance.now();
    d.proc.kill("SIGTERM");
    const code = await d.proc.exited;
    expect(code).toBe(0);
    expect(performance.now() - t).toBeLessThan(8000);
  } finally {
    manager.close();
    await server.close();
    await d.stop();
  }
}, 60_000);
