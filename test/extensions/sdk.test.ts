// The TypeScript SDK against an independent peer: an ExtensionManager
// written in Python with Debian's python3-thrift (code generated from the
// project's IDL at test time). A TS extension built on the SDK registers its
// table and logger; Python calls the extension's own socket (ping, columns,
// generate with osquery's context JSON, a logger line) and checks what comes
// back; then the extension's exit rules: deregistered → 1, core gone → 0.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ROOT } from "../helpers.ts";
import { debianPython, generatePython } from "./python_thrift.ts";

let gen: string;
let dir: string;
const procs: Subprocess[] = [];

beforeAll(() => {
  gen = generatePython();
});
afterAll(() => rmSync(gen, { recursive: true, force: true }));
afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill(9);
    await p.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A manager that registers any extension as uuid 4242 and obeys commands on stdin, answering each with one JSON line. */
const MANAGER = String.raw`
import sys, os, json, threading
from osquery.extensions import ExtensionManager, Extension
from osquery.extensions.ttypes import ExtensionStatus, ExtensionResponse, InternalExtensionInfo
from thrift.transport import TSocket, TTransport
from thrift.protocol import TBinaryProtocol
from thrift.server import TServer

path = sys.argv[1]
registered = {}

class Handler:
    def ping(self): return ExtensionStatus(code=0, message="pong", uuid=0)
    def call(self, registry, item, request): return ExtensionResponse(status=ExtensionStatus(code=1, message="core has no plugins", uuid=0), response=[])
    def shutdown(self): pass
    def extensions(self): return {u: r[0] for u, r in registered.items()}
    def options(self): return {}
    def registerExtension(self, info, registry):
        registered[4242] = (info, registry)
        print(json.dumps({"registered": {"name": info.name, "version": info.version, "sdk_version": info.sdk_version, "min_sdk_version": info.min_sdk_version}, "registry": registry}), flush=True)
        return ExtensionStatus(code=0, message="OK", uuid=4242)
    def deregisterExtension(self, uuid):
        registered.pop(uuid, None)
        return ExtensionStatus(code=0, message="OK", uuid=uuid)
    def query(self, sql): return ExtensionResponse(status=ExtensionStatus(code=1, message="no", uuid=0), response=[])
    def getQueryColumns(self, sql): return self.query(sql)

server = TServer.TThreadedServer(ExtensionManager.Processor(Handler()), TSocket.TServerSocket(unix_socket=path),
                                 TTransport.TBufferedTransportFactory(), TBinaryProtocol.TBinaryProtocolFactory(), daemon=True)
threading.Thread(target=server.serve, daemon=True).start()
print(json.dumps({"listening": path}), flush=True)

def extension_client():
    sock = TSocket.TSocket(unix_socket=path + ".4242")
    transport = TTransport.TBufferedTransport(sock)
    transport.open()
    return Extension.Client(TBinaryProtocol.TBinaryProtocol(transport)), transport

for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["do"] == "ping":
        client, t = extension_client()
        s = client.ping(); t.close()
        print(json.dumps({"code": s.code, "message": s.message, "uuid": s.uuid}), flush=True)
    elif cmd["do"] == "call":
        client, t = extension_client()
        r = client.call(cmd["registry"], cmd["item"], cmd["request"]); t.close()
        print(json.dumps({"code": r.status.code, "message": r.status.message, "uuid": r.status.uuid, "response": r.response}), flush=True)
    elif cmd["do"] == "forget":
        registered.clear()
        print(json.dumps({"forgotten": True}), flush=True)
    elif cmd["do"] == "quit":
        os.unlink(path)
        print(json.dumps({"quit": True}), flush=True)
        os._exit(0)
`;

/** The extension under test: osq's table API through the SDK, by the SDK's package entry point. */
const EXTENSION = `
import { appendFileSync } from "node:fs";
import { defineTable, startExtension } from ${JSON.stringify(join(ROOT, "sdk/index.ts"))};

const numbers = defineTable({
  name: "sdk_numbers",
  columns: { id: "BIGINT index", label: "TEXT", ratio: "DOUBLE", flag: "INTEGER hidden", missing: "TEXT" },
  generate: (ctx) => {
    const wanted = ctx.equals("id").map(Number);
    const ids = wanted.length > 0 ? wanted : [1, 2, 3];
    return ids.map((id) => ({ id, label: ctx.isColumnUsed("label") ? "n" + id : "unused", ratio: id / 2, flag: id % 2 === 0, missing: null }));
  },
});
await startExtension({
  name: "sdk_test",
  version: "1.2.3",
  tables: [numbers],
  loggers: [
    {
      name: "sdk_log",
      logString: (line) => appendFileSync(process.env.SDK_LOG_FILE, line + "\\n"),
      logStatus: (lines) => appendFileSync(process.env.SDK_LOG_FILE, lines.map((l) => l.severity + ":" + l.filename + ":" + l.message).join("\\n") + "\\n"),
    },
  ],
  configs: [{ name: "sdk_config", genConfig: () => ({ sdk: JSON.stringify({ schedule: { q: { query: "select 1", interval: 10 } } }) }) }],
});
`;

interface Lines {
  next(): Promise<Record<string, unknown>>;
}

function lines(stream: ReadableStream<Uint8Array>): Lines {
  const reader = stream.getReader();
  let buffered = "";
  return {
    async next() {
      for (;;) {
        const nl = buffered.indexOf("\n");
        if (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          return JSON.parse(line) as Record<string, unknown>;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`the Python manager ended; it said: ${buffered}`);
        buffered += new TextDecoder().decode(value);
      }
    },
  };
}

async function setUp() {
  dir = mkdtempSync(join(tmpdir(), "osq-sdk-"));
  const socket = join(dir, "osquery.em");
  const manager = Bun.spawn([debianPython(), "-u", "-c", MANAGER, socket], {
    env: { ...process.env, PYTHONPATH: gen },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  procs.push(manager);
  const out = lines(manager.stdout);
  expect(await out.next()).toEqual({ listening: socket });
  const source = join(dir, "ext.ts");
  writeFileSync(source, EXTENSION);
  const logFile = join(dir, "logged");
  const ext = Bun.spawn([process.execPath, source, "--socket", socket, "--timeout", "3", "--interval", "1"], {
    env: { ...process.env, SDK_LOG_FILE: logFile },
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(ext);
  const send = async (cmd: Record<string, unknown>) => {
    manager.stdin.write(JSON.stringify(cmd) + "\n");
    manager.stdin.flush();
    return out.next();
  };
  return { socket, manager, ext, out, send, logFile };
}

/** Waits until the extension got its registration reply and serves <socket>.4242 (Python prints before it replies). */
async function served(socket: string): Promise<void> {
  for (let i = 0; i < 250 && !existsSync(`${socket}.4242`); i++) await Bun.sleep(20);
  if (!existsSync(`${socket}.4242`)) throw new Error(`the extension never served ${socket}.4242`);
}

test("registers its table, logger and config plugin, and answers ping, columns, generate, log, status and genConfig calls", async () => {
  const { socket, out, send, logFile, ext } = await setUp();
  const registration = await out.next();
  expect(registration.registered).toEqual({ name: "sdk_test", version: "1.2.3", sdk_version: expect.stringMatching(/^\d+\.\d+\.\d+$/), min_sdk_version: "0.0.0" });
  const registry = registration.registry as Record<string, Record<string, Record<string, string>[]>>;
  expect(Object.keys(registry).sort()).toEqual(["config", "logger", "table"]);
  expect(registry.config).toEqual({ sdk_config: [] });
  expect(registry.logger).toEqual({ sdk_log: [] });
  const route: Record<string, string>[] = [
    { id: "column", name: "id", type: "BIGINT", op: "1" },
    { id: "column", name: "label", type: "TEXT", op: "0" },
    { id: "column", name: "ratio", type: "DOUBLE", op: "0" },
    { id: "column", name: "flag", type: "INTEGER", op: "16" },
    { id: "column", name: "missing", type: "TEXT", op: "0" },
    { id: "attributes", attributes: "0" },
  ];
  expect(registry.table).toEqual({ sdk_numbers: route });
  await served(socket);

  expect(await send({ do: "ping" })).toEqual({ code: 0, message: "pong", uuid: 4242 });
  expect(await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "columns" } })).toMatchObject({ code: 0, response: route });

  // osquery's context JSON: id IN (2, 7), only id and flag used.
  const context = JSON.stringify({
    constraints: [{ name: "id", list: [{ op: 2, expr: "2" }, { op: 2, expr: "7" }], affinity: "BIGINT" }],
    colsUsed: ["id", "flag"],
    colsUsedBitset: 9,
  });
  const generated = await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "generate", context } });
  expect(generated).toMatchObject({ code: 0, uuid: 4242 });
  expect(generated.response).toEqual([
    { id: "2", label: "unused", ratio: "1", flag: "1" },
    { id: "7", label: "unused", ratio: "3.5", flag: "0" },
  ]);
  // Only the bitset: bit 1 is label.
  const bitset = await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "generate", context: JSON.stringify({ constraints: [], colsUsedBitset: 2 }) } });
  expect((bitset.response as Record<string, string>[]).map((r) => r.label)).toEqual(["n1", "n2", "n3"]);
  // No context at all: every row, every column.
  expect(((await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "generate" } })).response as unknown[]).length).toBe(3);

  expect(await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "generate", context: "{not json" } })).toMatchObject({ code: 1, message: expect.stringContaining("context is not JSON") });
  expect(await send({ do: "call", registry: "table", item: "sdk_numbers", request: { action: "drop" } })).toMatchObject({ code: 1, message: "Unknown table plugin action: drop" });
  expect(await send({ do: "call", registry: "table", item: "nope", request: { action: "columns" } })).toMatchObject({ code: 1 });

  const line = JSON.stringify({ name: "q", hostIdentifier: "h", action: "added", columns: { a: "1" } });
  expect(await send({ do: "call", registry: "logger", item: "sdk_log", request: { string: line, category: "event" } })).toMatchObject({ code: 0 });
  expect(readFileSync(logFile, "utf8")).toBe(line + "\n");
  // osquery's status lines: a JSON array of {s, f, i, m, c, u, h}.
  const statusLog = JSON.stringify([{ s: 1, f: "config.cpp", i: 42, m: "careful", c: "Mon Dec  1 20:00:00 2026 UTC", u: 1796155200, h: "host" }]);
  expect(await send({ do: "call", registry: "logger", item: "sdk_log", request: { status: "true", log: statusLog } })).toMatchObject({ code: 0 });
  expect(readFileSync(logFile, "utf8")).toBe(line + "\n1:config.cpp:careful\n");
  // LOGGER_FEATURE_LOGSTATUS (1) in the status code: it has logStatus, no logEvent.
  expect(await send({ do: "call", registry: "logger", item: "sdk_log", request: { action: "features" } })).toMatchObject({ code: 1 });
  expect(await send({ do: "call", registry: "logger", item: "sdk_log", request: {} })).toMatchObject({ code: 1, message: "Unsupported call to logger plugin" });

  const config = await send({ do: "call", registry: "config", item: "sdk_config", request: { action: "genConfig" } });
  expect(config).toMatchObject({ code: 0 });
  expect(config.response).toEqual([{ sdk: JSON.stringify({ schedule: { q: { query: "select 1", interval: 10 } } }) }]);
  expect(await send({ do: "call", registry: "config", item: "sdk_config", request: {} })).toMatchObject({ code: 1, message: "Config plugins require an action" });
  expect(ext.exitCode).toBeNull();
});

test("exits 1 once core no longer lists it, and 0 when core's socket is gone", async () => {
  const first = await setUp();
  await first.out.next();
  await served(first.socket);
  expect(await first.send({ do: "forget" })).toEqual({ forgotten: true });
  const firstCode = await first.ext.exited;
  expect({ code: firstCode, stderr: await new Response(first.ext.stderr).text() }).toEqual({ code: 1, stderr: expect.stringContaining("Extension not registered with osquery core") });
  for (const p of procs.splice(0)) p.kill(9);
  rmSync(dir, { recursive: true, force: true });

  const second = await setUp();
  await second.out.next();
  await served(second.socket);
  expect(await second.send({ do: "quit" })).toEqual({ quit: true });
  const secondCode = await second.ext.exited;
  expect({ code: secondCode, stderr: await new Response(second.ext.stderr).text() }).toEqual({ code: 0, stderr: expect.stringContaining("osquery core has gone away") });
});

test("fails with one line and exit 1 when no manager appears within --timeout", async () => {
  dir = mkdtempSync(join(tmpdir(), "osq-sdk-"));
  const source = join(dir, "ext.ts");
  writeFileSync(source, EXTENSION);
  const started = Date.now();
  const r = Bun.spawnSync([process.execPath, source, "--socket", join(dir, "none.em"), "--timeout", "1"], { stderr: "pipe" });
  expect(r.exitCode).toBe(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(r.stderr.toString().trim()).toBe(`Extension socket not available: ${join(dir, "none.em")}`);
});
