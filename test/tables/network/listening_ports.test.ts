// listening_ports: a TCP server and a UDP socket this test opens on
// 127.0.0.1 show with their ports and this pid; the TCP set matches `ss -tln`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import listeningPorts from "../../../tables/network/listening_ports.ts";
import { generate, query } from "../../helpers.ts";

let server: Server;
let udp: UdpSocket;
let tcpPort = 0;
let udpPort = 0;

beforeAll(async () => {
  server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tcpPort = (server.address() as { port: number }).port;
  udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  udpPort = udp.address().port;
});
afterAll(() => {
  server.close();
  udp.close();
});

describe("listening_ports", () => {
  test("generator: the TCP server with its port, pid, fd and socket", async () => {
    const rows = await generate(listeningPorts);
    const tcp = rows.filter((r) => r.port === tcpPort && r.protocol === 6);
    expect(tcp.length).toBe(1);
    expect(tcp[0]).toMatchObject({ pid: process.pid, family: 2, address: "127.0.0.1" });
    const link = Bun.spawnSync(["readlink", `/proc/${process.pid}/fd/${tcp[0]?.fd}`]).stdout.toString().trim();
    expect(link).toBe(`socket:[${tcp[0]?.socket}]`);
  });

  test("generator: the bound UDP socket", async () => {
    const rows = await generate(listeningPorts);
    const u = rows.filter((r) => r.port === udpPort && r.protocol === 17);
    expect(u.length).toBe(1);
    expect(u[0]).toMatchObject({ pid: process.pid, family: 2, address: "127.0.0.1" });
  });

  test("generator: every TCP listener ss knows is there", async () => {
    const rows = await generate(listeningPorts);
    const ours = new Set(rows.filter((r) => r.protocol === 6).map((r) => `${r.family === 10 ? `[${r.address}]` : r.address}:${r.port}`));
    const ss = Bun.spawnSync(["ss", "-Htln"]).stdout.toString().trim().split("\n").filter(Boolean);
    for (const line of ss) {
      const local = line.trim().split(/\s+/)[3] ?? "";
      expect(ours).toContain(local.replace(/%[^\]:]+/, "").replace(/^\*:/, "0.0.0.0:"));
    }
  });

  test("unix sockets carry a path, port 0 and socket 0", async () => {
    for (const r of (await generate(listeningPorts)).filter((r) => r.family === 1)) {
      expect(String(r.path).length).toBeGreaterThan(0);
      expect(r.port).toBe(0);
      expect(r.socket).toBe(0);
    }
  });

  test("end to end", () => {
    const rows = query(`SELECT pid, address, protocol, family FROM listening_ports WHERE port = ${tcpPort}`);
    expect(rows).toEqual([{ pid: String(process.pid), address: "127.0.0.1", protocol: "6", family: "2" }]);
  });
});
