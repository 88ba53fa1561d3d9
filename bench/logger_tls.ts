// The tls logger's drain, on demand (`bun bench/logger_tls.ts`), never as a
// test (issue 8's targets):
//   1. 200,000 result lines buffered in a real LMDB file, drained to a local
//      server with --logger_tls_max_lines=10000 --logger_tls_period=1:
//      lines per second (target ≥ 20,000) and this process's peak RSS.
//   2. 1,000,000 lines buffered: what opening the buffer adds to RSS
//      (target ≤ 16 MiB; the lines stay in LMDB, not in memory).
// The server is plain HTTP on 127.0.0.1 behind a minimal session until the
// TLS client lands; then `openRemoteSession` and test/remote/server.ts take
// their place, and the figures include TLS and gzip.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "../src/daemon/config-text.ts";
import { systemClock } from "../src/daemon/scheduler.ts";
import { err, ok } from "../src/result.ts";
import { LogBuffer } from "../src/remote/log_buffer.ts";
import type { RemoteSession } from "../src/remote/session.ts";
import { openStore } from "../src/store/store.ts";
import { TlsLoggerPlugin } from "../plugins/logger/tls.ts";

const LINES = 200_000;
const BIG_BACKLOG = 1_000_000;
const CHUNK = 10_000;
const MiB = 1024 * 1024;

function line(i: number): string {
  return JSON.stringify({
    name: "pack/Global/processes",
    hostIdentifier: "bench",
    calendarTime: "Tue Dec  1 18:00:00 2026 UTC",
    unixTime: 1_796_148_000 + Math.floor(i / 100),
    epoch: 0,
    counter: i,
    numerics: false,
    columns: { pid: String(i), name: "worker", cmdline: `/usr/bin/worker --id ${i}` },
    action: "added",
  });
}

async function fill(buffer: LogBuffer, n: number): Promise<void> {
  for (let i = 0; i < n; i += CHUNK) buffer.append("result", Array.from({ length: Math.min(CHUNK, n - i) }, (_, j) => line(i + j)));
}

let received = 0;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = (await req.json()) as { data?: unknown[] };
    received += body.data?.length ?? 0;
    return Response.json({});
  },
});

const session: RemoteSession = {
  async request(endpoint: string, body: JsonObject) {
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}${endpoint}`, { method: "POST", body: JSON.stringify({ ...body, node_key: "bench" }) });
      return ok((await res.json()) as JsonObject);
    } catch (e) {
      return err({ kind: "transport" as const, message: (e as Error).message });
    }
  },
};

const dir = mkdtempSync(join(tmpdir(), "osq-bench-tlslog-"));
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
try {
  const store = await openStore(join(dir, "drain.db"));
  await fill(new LogBuffer(store), LINES);
  const plugin = new TlsLoggerPlugin({
    session,
    store,
    clock: systemClock(),
    settings: () => ({
      endpoint: "/api/v1/osquery/log",
      periodSeconds: 1,
      maxLines: 10_000,
      maxLineSize: MiB,
      backoffMaxSeconds: 3600,
      compress: false,
      bufferedLogMax: 0,
      disableStatusLog: true,
      decorationsTopLevel: false,
    }),
    log: { info: () => {}, warning: (m) => console.error(m), verbose: () => {} },
    hostIdentifier: () => "bench",
    decorations: () => new Map(),
  });
  if (plugin.setUp() !== null) throw new Error("the buffer did not open");
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  plugin.init("osqueryd", []);
  while (plugin.buffered > 0) await Bun.sleep(10);
  const seconds = (performance.now() - t0) / 1000;
  await plugin.stop();
  await store.close();
  const rate = LINES / seconds;
  console.log(`drain: ${LINES} lines (server got ${received}) in ${seconds.toFixed(2)} s = ${Math.round(rate)} lines/s (target 20000: ${rate >= 20_000 ? "meets" : "misses"})`);
  console.log(`drain: peak RSS ${(peak / MiB).toFixed(1)} MiB, ${((peak - before) / MiB).toFixed(1)} MiB above the filled buffer's`);

  const big = await openStore(join(dir, "backlog.db"));
  await fill(new LogBuffer(big), BIG_BACKLOG);
  await big.close();
  Bun.gc(true);
  const idle = process.memoryUsage().rss;
  const reopened = await openStore(join(dir, "backlog.db"));
  const buffer = new LogBuffer(reopened);
  buffer.load();
  buffer.oldest("result", 10_000);
  Bun.gc(true);
  const added = (process.memoryUsage().rss - idle) / MiB;
  console.log(`backlog: ${buffer.count} lines buffered add ${added.toFixed(1)} MiB to RSS (target 16: ${added <= 16 ? "meets" : "misses"})`);
  await reopened.close();
} finally {
  clearInterval(sampler);
  server.stop(true);
  rmSync(dir, { recursive: true, force: true });
}
