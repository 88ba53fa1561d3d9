// process_open_sockets: a TCP server and a connection this test opens on
// 127.0.0.1, checked against `ss`, plus the /proc/net parsers on fixtures.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, connect, type Server, type Socket } from "node:net";
import processOpenSockets from "../../../tables/process/process_open_sockets.ts";
import { generate, query } from "../../helpers.ts";

let server: Server;
let client: Socket;
let port = 0;

beforeAll(async () => {
  server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  client = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
});
afterAll(() => {
  client.destroy();
  server.close();
});

/** `ss` lines for this test's sockets: state, local, peer, and the pid/fd users. */
function ssTcp(): { state: string; local: string; peer: string; fds: number[] }[] {
  const out = Bun.spawnSync(["ss", "-Htanp"]).stdout.toString().trim().split("\n");
  return out.filter(Boolean).map((l) => {
    const f = l.trim().split(/\s+/);
    const fds = [...l.matchAll(new RegExp(`pid=${process.pid},fd=(\\d+)`, "g"))].map((m) => Number(m[1]));
    return { state: f[0] ?? "", local: f[3] ?? "", peer: f[4] ?? "", fds };
  });
}

describe("process_open_sockets", () => {
  test("generator with pid: the listening and connected sockets with their fds, as ss shows them", async () => {
    const rows = await generate(processOpenSockets, { pid: [["=", String(process.pid)]] });
    expect(rows.every((r) => r.pid === process.pid)).toBe(true);
    const listen = rows.filter((r) => r.protocol === 6 && r.local_port === port && r.state === "LISTEN");
    expect(listen.length).toBe(1);
    expect(listen[0]).toMatchObject({ family: 2, local_address: "127.0.0.1", remote_address: "0.0.0.0", remote_port: 0, path: "" });
    const ssListen = ssTcp().find((s) => s.state === "LISTEN" && s.local === `127.0.0.1:${port}`);
    expect(ssListen?.fds).toContain(Number(listen[0]?.fd));

    const clientRow = rows.find((r) => r.protocol === 6 && r.remote_port === port && r.state === "ESTABLISHED");
    expect(clientRow).toBeDefined();
    const ssClient = ssTcp().find((s) => s.state === "ESTAB" && s.peer === `127.0.0.1:${port}`);
    expect(ssClient?.local).toBe(`127.0.0.1:${clientRow?.local_port}`);
    expect(ssClient?.fds).toContain(Number(clientRow?.fd));
    // The socket inode is the one behind the fd link.
    const link = Bun.spawnSync(["readlink", `/proc/${process.pid}/fd/${clientRow?.fd}`]).stdout.toString().trim();
    expect(link).toBe(`socket:[${clientRow?.socket}]`);
    expect(clientRow?.net_namespace).toBe(Bun.spawnSync(["stat", "-L", "-c", "%i", `/proc/${process.pid}/ns/net`]).stdout.toString().trim());
  });

  test("generator without pid: includes sockets of all processes and unowned ones as pid -1", async () => {
    const rows = await generate(processOpenSockets);
    expect(rows.some((r) => r.pid === process.pid && r.local_port === port && r.state === "LISTEN")).toBe(true);
    for (const r of rows) {
      if (r.pid === -1) expect(r.fd).toBe(-1);
      expect([1, 2, 10, 17]).toContain(Number(r.family));
    }
    // Every TCP socket ss lists in this namespace appears.
    const ours = rows.filter((r) => r.family === 2 && r.protocol === 6).map((r) => `${r.local_address}:${r.local_port}>${r.remote_address}:${r.remote_port}`);
    for (const s of ssTcp().filter((s) => !s.local.includes("["))) {
      const peer = s.peer.replace("*", "0");
      expect(ours).toContain(`${s.local}>${peer}`);
    }
  });

  test("end to end", () => {
    const rows = query(`SELECT family, protocol, local_address, local_port, state FROM process_open_sockets WHERE pid = ${process.pid} AND local_port = ${port} ORDER BY state`);
    // The listener and the connection it accepted from our client.
    expect(rows).toEqual([
      { family: "2", protocol: "6", local_address: "127.0.0.1", local_port: String(port), state: "ESTABLISHED" },
      { family: "2", protocol: "6", local_address: "127.0.0.1", local_port: String(port), state: "LISTEN" },
    ]);
  });
});
