// osq's hand-written Thrift codec against Debian's python3-thrift, both ways:
// a Python client calling every manager method of an osq server, and an osq
// client calling a Python extension server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectExtensionClient, serveThrift, ThriftError, type ManagerHandlers, type ThriftServer } from "../../src/extensions/thrift.ts";
import { AppExceptionType, type ExtensionRegistry, type InternalExtensionInfo } from "../../src/extensions/protocol.ts";
import { generatePython, runPython, spawnPython } from "./python_thrift.ts";

let gen = "";
let dir = "";
beforeAll(() => {
  gen = generatePython();
  dir = mkdtempSync(join(tmpdir(), "osq-thrift-"));
});
afterAll(() => {
  rmSync(gen, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const PY_CLIENT = `
import json, sys
from thrift.transport import TSocket, TTransport
from thrift.protocol import TBinaryProtocol
from osquery.extensions import ExtensionManager
from osquery.extensions.ttypes import InternalExtensionInfo
sock = TSocket.TSocket(unix_socket=sys.argv[1])
transport = TTransport.TBufferedTransport(sock)
client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(transport))
transport.open()
out = {}
s = client.ping(); out["ping"] = [s.code, s.message, s.uuid]
r = client.call("table", "t\u00e9st", {"action": "generate", "k\u2603": "v\\x00w", "__proto__": "p", "long": "\u00e9" * 40})
out["call"] = [r.status.code, r.status.message, r.status.uuid, r.response]
out["extensions"] = {str(k): [v.name, v.version, v.sdk_version, v.min_sdk_version] for k, v in client.extensions().items()}
out["options"] = {k: [v.value, v.default_value, v.type] for k, v in client.options().items()}
info = InternalExtensionInfo(name="py", version="1.0", sdk_version="1.8.0", min_sdk_version="1.8.0")
s = client.registerExtension(info, {"table": {"t1": [{"id": "column", "name": "a", "type": "TEXT", "op": "0"}]}, "config": {}})
out["register"] = [s.code, s.message, s.uuid]
s = client.deregisterExtension(-5); out["deregister"] = [s.code, s.message, s.uuid]
r = client.query("select 1"); out["query"] = [r.status.code, r.response]
r = client.getQueryColumns("select 1 as x"); out["columns"] = [r.status.code, r.response]
r = client.query("big"); out["big"] = len(r.response)
client.shutdown(); out["shutdown"] = True
print(json.dumps(out))
`;

function managerHandlers(log: unknown[]): ManagerHandlers {
  return {
    ping: () => ({ code: 0, message: "pong", uuid: 0 }),
    call: (registry, item, request) => {
      log.push(["call", registry, item, request]);
      return { status: { code: 0, message: "OK", uuid: 7 }, response: [{ item, ...request }] };
    },
    shutdown: () => void log.push(["shutdown"]),
    extensions: () => new Map<number, InternalExtensionInfo>([[42, { name: "e", version: "v", sdk_version: "1.8.0", min_sdk_version: "0" }]]),
    options: () => ({ verbose: { value: "false", default_value: "false", type: "bool" } }),
    registerExtension: (info: InternalExtensionInfo, registry: ExtensionRegistry) => {
      log.push(["register", info, registry]);
      return { code: 0, message: "OK", uuid: 65535 };
    },
    deregisterExtension: (uuid: number) => ({ code: 1, message: `No extension UUID found ${uuid}`, uuid: 0 }),
    query: (sql: string) => ({
      status: { code: 0, message: "OK", uuid: 0 },
      response: sql === "big" ? Array.from({ length: 100_000 }, (_, i) => ({ id: String(i), name: `row ${i}` })) : [{ "1": "1" }],
    }),
    getQueryColumns: () => ({ status: { code: 0, message: "OK", uuid: 0 }, response: [{ x: "INTEGER" }] }),
  };
}

test("a python3-thrift client calls every ExtensionManager method of an osq server", async () => {
  const path = join(dir, "manager.em");
  const log: unknown[] = [];
  const server: ThriftServer = await serveThrift(path, managerHandlers(log));
  try {
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const r = await runPython(gen, PY_CLIENT, [path]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ping).toEqual([0, "pong", 0]);
    const row = out.call[3][0];
    expect(out.call.slice(0, 3)).toEqual([0, "OK", 7]);
    const expected = JSON.parse(`{"item":"t\u00e9st","action":"generate","k\u2603":"v\\u0000w","__proto__":"p","long":"${"\u00e9".repeat(40)}"}`);
    expect(row).toEqual(expected);
    // A "__proto__" key is a field like any other, never the row's prototype.
    expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe("p");
    expect(out.extensions).toEqual({ "42": ["e", "v", "1.8.0", "0"] });
    expect(out.options).toEqual({ verbose: ["false", "false", "bool"] });
    expect(out.register).toEqual([0, "OK", 65535]);
    expect(out.deregister).toEqual([1, "No extension UUID found -5", 0]);
    expect(out.query).toEqual([0, [{ "1": "1" }]]);
    expect(out.columns).toEqual([0, [{ x: "INTEGER" }]]);
    expect(out.big).toBe(100_000);
    expect(out.shutdown).toBe(true);
    expect(log).toContainEqual(["register", { name: "py", version: "1.0", sdk_version: "1.8.0", min_sdk_version: "1.8.0" }, { table: { t1: [{ id: "column", name: "a", type: "TEXT", op: "0" }] }, config: {} }]);
    expect(log).toContainEqual(["shutdown"]);
  } finally {
    await server.close();
  }
});

const PY_SERVER = `
import sys
from thrift.transport import TSocket, TTransport
from thrift.protocol import TBinaryProtocol
from thrift.server import TServer
from osquery.extensions import Extension
from osquery.extensions.ttypes import ExtensionStatus, ExtensionResponse
class H:
    def ping(self):
        return ExtensionStatus(code=0, message="pong", uuid=1234)
    def call(self, registry, item, request):
        if request.get("action") == "many":
            rows = [{"id": str(i), "v": "x" * 20} for i in range(int(request["n"]))]
        else:
            rows = [{"registry": registry, "item": item, **request}]
        return ExtensionResponse(status=ExtensionStatus(code=0, message="OK", uuid=1234), response=rows)
    def shutdown(self):
        print("shutdown", flush=True)
server = TServer.TThreadedServer(Extension.Processor(H()), TSocket.TServerSocket(unix_socket=sys.argv[1]),
    TTransport.TBufferedTransportFactory(), TBinaryProtocol.TBinaryProtocolFactory())
print("ready", flush=True)
server.serve()
`;

async function waitForLine(stream: ReadableStream<Uint8Array>, want: string): Promise<void> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes(want)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${want}: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
}

test("an osq client calls a python3-thrift Extension server", async () => {
  const path = join(dir, "ext.sock");
  const proc = spawnPython(gen, PY_SERVER, [path]);
  try {
    await waitForLine(proc.stdout, "ready");
    // The server binds after printing; the first connect may race it.
    let client = null;
    for (let i = 0; i < 100 && !client; i++) client = await connectExtensionClient(path, { timeoutMs: 10_000 }).catch(() => Bun.sleep(20).then(() => null));
    if (!client) throw new Error(`no Python server on ${path}`);
    expect(await client.ping()).toEqual({ code: 0, message: "pong", uuid: 1234 });
    const r = await client.call("table", "caf\u00e9", { action: "generate", context: '{"constraints":[]}' });
    expect(r).toEqual({ status: { code: 0, message: "OK", uuid: 1234 }, response: [{ registry: "table", item: "caf\u00e9", action: "generate", context: '{"constraints":[]}' }] });
    // Many rows arrive in many socket reads: the scanner resumes across them.
    const many = await client.call("table", "t", { action: "many", n: "100000" });
    expect(many.response.length).toBe(100_000);
    expect(many.response[99_999]).toEqual({ id: "99999", v: "x".repeat(20) });
    // Calls made at once are answered in order on one connection.
    const pings = await Promise.all([client.ping(), client.call("a", "b", {}), client.ping()]);
    expect(pings.map((p) => ("code" in p ? p.uuid : p.status.uuid))).toEqual([1234, 1234, 1234]);
    await client.shutdown();
    // The Extension service has no manager methods: Python answers UNKNOWN_METHOD and the connection stays usable.
    const err = await client.extensions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThriftError);
    expect((err as ThriftError).appType).toBe(AppExceptionType.UNKNOWN_METHOD);
    expect((await client.ping()).message).toBe("pong");
    client.close();
  } finally {
    proc.kill();
    await proc.exited;
  }
});

const PY_ENCODE = `
import sys
from thrift.transport import TTransport
from thrift.protocol import TBinaryProtocol
from osquery.extensions import ExtensionManager
buf = TTransport.TMemoryBuffer()
client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(buf))
client.send_query("select 'caf\u00e9' as x")
print(buf.getvalue().hex())
`;

const PY_DECODE = `
import sys, json
from thrift.transport import TTransport
from thrift.protocol import TBinaryProtocol
from osquery.extensions import ExtensionManager
buf = TTransport.TMemoryBuffer(bytes.fromhex(sys.argv[1]))
client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(buf))
r = client.recv_query()
print(json.dumps([r.status.code, r.status.message, r.response]))
`;

test("a call Python encoded, fed to an osq server one byte at a time, gets a reply Python decodes", async () => {
  const path = join(dir, "bytewise.em");
  const server = await serveThrift(path, managerHandlers([]));
  try {
    const encoded = await runPython(gen, PY_ENCODE);
    expect(encoded.code).toBe(0);
    const bytes = Buffer.from(encoded.stdout.trim(), "hex");
    const { createConnection } = await import("node:net");
    const sock = createConnection({ path });
    const chunks: Buffer[] = [];
    sock.on("data", (c: Buffer) => chunks.push(c));
    await new Promise((r) => sock.once("connect", r));
    for (const b of bytes) {
      sock.write(Buffer.from([b]));
      await Bun.sleep(1);
    }
    const deadline = Date.now() + 5000;
    while (chunks.length === 0 && Date.now() < deadline) await Bun.sleep(10);
    await Bun.sleep(50);
    sock.destroy();
    const decoded = await runPython(gen, PY_DECODE, [Buffer.concat(chunks).toString("hex")]);
    expect(decoded.stderr).toBe("");
    expect(JSON.parse(decoded.stdout)).toEqual([0, "OK", [{ "1": "1" }]]);
  } finally {
    await server.close();
  }
});
