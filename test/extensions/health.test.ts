// Core's health checks on real Unix sockets: extensions served by osq's
// Thrift server (and one raw socket that accepts and never answers) are
// pinged; a healthy one stays, a missing socket, a failed ping status or a
// hung peer gets the extension deregistered, and a socket that appears late
// is waited for at the first check only.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flagMs } from "../../src/extensions/delay.ts";
import { ExtensionHealth, type CheckedManager } from "../../src/extensions/health.ts";
import { serveThrift, type ThriftServer } from "../../src/extensions/thrift.ts";

let dir: string;
const servers: { close(): Promise<void> | void }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-health-"));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function extension(uuid: number, code = 0): Promise<ThriftServer> {
  const server = await serveThrift(join(dir, `osquery.em.${uuid}`), {
    ping: () => ({ code, message: code === 0 ? "pong" : "unwell", uuid }),
    call: () => ({ status: { code: 1, message: "none", uuid }, response: [] }),
    shutdown: () => {},
  });
  servers.push(server);
  return server;
}

/** A socket that accepts connections and never writes a byte: a hung extension. */
async function hung(uuid: number): Promise<void> {
  const accepted: Socket[] = [];
  const server: Server = createServer((socket) => void accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(join(dir, `osquery.em.${uuid}`), resolve));
  servers.push({
    close: () => {
      for (const socket of accepted) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function manager(uuids: number[]): CheckedManager & { gone: Map<number, string> } {
  const gone = new Map<number, string>();
  return {
    gone,
    registered: () => uuids.filter((u) => !gone.has(u)).map((uuid) => ({ uuid, path: join(dir, `osquery.em.${uuid}`) })),
    deregister: (uuid, why) => (gone.set(uuid, why), true),
  };
}

const log = { info: () => {}, verbose: () => {} };

test("flag values follow osquery's atoi with a 200 ms floor", () => {
  expect(flagMs("3")).toBe(3000);
  expect(flagMs("0")).toBe(200);
  expect(flagMs("2s")).toBe(2000);
  expect(flagMs("x")).toBe(200);
});

test("healthy extensions stay; missing sockets, failed pings and hung peers are deregistered", async () => {
  await extension(1);
  await extension(2, 1);
  await hung(3);
  const m = manager([1, 2, 3, 4]);
  const health = new ExtensionHealth(m, () => ({ intervalMs: 200, timeoutMs: 200, pingTimeoutMs: 500 }), log);
  const started = Date.now();
  await health.check();
  expect(Date.now() - started).toBeLessThan(3000);
  expect([...m.gone.keys()].sort()).toEqual([2, 3, 4]);
  expect(m.gone.get(2)).toBe("ping failed: unwell");
  expect(m.gone.get(4)).toContain("is missing");
  expect(m.registered().map((e) => e.uuid)).toEqual([1]);

  // Later: its socket removed, the healthy one goes at the next check, without a second grace.
  await servers.shift()!.close();
  rmSync(join(dir, "osquery.em.1"), { force: true });
  const again = Date.now();
  await health.check();
  expect(Date.now() - again).toBeLessThan(150);
  expect(m.gone.has(1)).toBe(true);
});

test("a socket that appears during the first check's wait is pinged, not deregistered", async () => {
  const m = manager([7]);
  const health = new ExtensionHealth(m, () => ({ intervalMs: 200, timeoutMs: 2000 }), log);
  setTimeout(() => void extension(7), 300);
  await health.check();
  expect(m.gone.size).toBe(0);
});

test("start() checks every interval until stop()", async () => {
  await extension(9);
  const m = manager([9]);
  const health = new ExtensionHealth(m, () => ({ intervalMs: 200, timeoutMs: 200 }), log);
  health.start();
  await Bun.sleep(450);
  expect(m.gone.size).toBe(0);
  await servers.pop()!.close();
  rmSync(join(dir, "osquery.em.9"), { force: true });
  for (let i = 0; i < 50 && !m.gone.has(9); i++) await Bun.sleep(20);
  expect(m.gone.has(9)).toBe(true);
  await health.stop();
});
