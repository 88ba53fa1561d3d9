// --extensions_default_index: every extension column is treated as indexed, so
// a join pushes values into a column the extension did not flag INDEX.
import { expect, test } from "bun:test";
import { connectExtensionClient, serveThrift } from "../../src/extensions/thrift.ts";
import { startDaemon } from "./daemon.ts";

async function pushedWith(flags: string[]): Promise<unknown[]> {
  const d = await startDaemon(flags);
  const client = await connectExtensionClient(d.socket, { timeoutMs: 20_000 });
  const s = await client.registerExtension({ name: "plain", version: "1", sdk_version: "1.8.0", min_sdk_version: "1.8.0" }, {
    table: { plain_t: [{ id: "column", name: "pid", type: "BIGINT", op: "0" }] },
  });
  const contexts: unknown[] = [];
  const server = await serveThrift(`${d.socket}.${s.uuid}`, {
    ping: () => ({ code: 0, message: "pong", uuid: s.uuid }),
    call: (_r, _i, request) => {
      contexts.push(JSON.parse(request["context"] ?? "null"));
      return { status: { code: 0, message: "OK", uuid: s.uuid }, response: [{ pid: String(d.proc.pid) }] };
    },
    shutdown: () => {},
  });
  try {
    const r = await client.query(`select t.pid from processes p join plain_t t on t.pid = p.pid where p.pid = ${d.proc.pid}`);
    expect(r.response).toEqual([{ pid: String(d.proc.pid) }]);
    return (contexts as { constraints: { name: string; list: unknown[] }[] }[]).map((c) => c.constraints.find((x) => x.name === "pid")!.list);
  } finally {
    client.close();
    await server.close();
    await d.stop();
  }
}

test("a join pushes into an unflagged extension column only with --extensions_default_index", async () => {
  const d = await pushedWith(["--extensions_default_index"]);
  expect(d.at(-1)).toEqual([{ op: 2, expr: expect.stringMatching(/^\d+$/) }]);
  const plain = await pushedWith([]);
  expect(plain.at(-1)).toEqual([]);
}, 60_000);
