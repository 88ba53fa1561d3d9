// The TLS client and session in process, against the real local HTTPS server
// (test/remote/server.ts) and a real CONNECT proxy on 127.0.0.1: gzip request
// bodies, redirects, the proxy, timeouts, and the retry schedules (with an
// injected sleep, so nothing waits).
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { flags } from "../../src/flags/flags.ts";
import { status } from "../../src/logger/status.ts";
import { MemoryStore } from "../../src/store/store.ts";
import { TlsSession } from "../../src/remote/remote.ts";
import { post, systemCaBundle, tlsSettings } from "../../src/remote/tls.ts";
import { makePki, startServer, type Pki, type TestServer } from "./server.ts";

let pki: Pki;
let servers: TestServer[] = [];
const saved = new Map<string, string>();

beforeAll(() => {
  pki = makePki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of servers) await s.stop();
  servers = [];
  for (const [k, v] of saved) flags.set(k, v, "cli");
  saved.clear();
});

function setFlag(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, flags.get(name));
  const e = flags.set(name, value, "cli");
  if (e) throw new Error(e);
}

function server(opts: Partial<Parameters<typeof startServer>[0]> = {}): TestServer {
  const s = startServer({ pki, ...opts });
  servers.push(s);
  for (const f of s.flags()) {
    const [name, value] = f.slice(2).split(/=(.*)/s) as [string, string];
    setFlag(name, value);
  }
  return s;
}

function session(sleeps: number[] = []): TlsSession {
  return new TlsSession(new MemoryStore(), async (ms) => void sleeps.push(ms));
}

test("compress: the body goes gzipped with Content-Encoding: gzip, the node key inside", async () => {
  const srv = server();
  srv.requireGzip = true;
  const s = session();
  const data = [{ name: "q", columns: { a: "1" } }];
  const r = await s.request(srv.paths.log, { log_type: "result", data }, { compress: true });
  expect(r).toEqual({ ok: true, value: {} });
  const log = srv.requestsTo("log")[0]!;
  expect(log.gzipped).toBe(true);
  expect(log.headers["content-encoding"]).toBe("gzip");
  expect(log.body).toEqual({ log_type: "result", data, node_key: "node-key-1" });
  // Uncompressed, this server refuses the log (HTTP 400 with an error body).
  const plain = await s.request(srv.paths.log, { log_type: "result", data });
  expect(plain).toEqual({ ok: false, error: { kind: "rejected", message: "Request failed: gzip required" } });
});

test("the body decides, not the HTTP status: an error at 200 fails, a good body at 500 succeeds", async () => {
  const srv = server();
  const s = session();
  srv.config = { error: "served as an error" };
  expect(await s.request(srv.paths.config, {})).toEqual({ ok: false, error: { kind: "rejected", message: "Request failed: served as an error" } });
  srv.config = { schedule: {} };
  srv.httpStatus.set("config", 500);
  expect(await s.request(srv.paths.config, {})).toEqual({ ok: true, value: { schedule: {} } });
  expect(srv.requestsTo("config").length).toBe(2);
});

test("redirects are followed with the same POST body, up to 10", async () => {
  const srv = server();
  srv.config = { schedule: {} };
  srv.redirects.set("/moved", srv.paths.config);
  const s = session();
  expect(await s.request("/moved", { extra: "x" })).toEqual({ ok: true, value: { schedule: {} } });
  const [first, second] = srv.requests.filter((r) => r.endpoint !== "enroll");
  expect(first!.path).toBe("/moved");
  expect(second!.path).toBe(srv.paths.config);
  expect(second!.method).toBe("POST");
  expect(second!.body).toEqual({ extra: "x", node_key: "node-key-1" });

  for (let i = 0; i < 11; i++) srv.redirects.set(`/loop${i}`, `/loop${i + 1}`);
  const loop = await s.request("/loop0", {});
  expect(loop.ok).toBe(false);
  if (!loop.ok) expect(loop.error.message).toContain("more than 10 redirects");
  expect(srv.requests.filter((r) => r.path.startsWith("/loop")).length).toBe(11);
});

test("--proxy_hostname: the request goes through the proxy with CONNECT", async () => {
  const srv = server();
  srv.config = { via: "proxy" };
  const connects: string[] = [];
  const proxy: Server = createServer((client: Socket) => {
    client.once("data", (head) => {
      const line = head.toString("latin1").split("\r\n")[0]!;
      connects.push(line);
      const [, target] = line.split(" ");
      const [, port] = target!.split(":");
      const upstream = connect(Number(port), "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    const address = proxy.address();
    if (address === null || typeof address === "string") throw new Error("the proxy has no port");
    setFlag("proxy_hostname", `127.0.0.1:${address.port}`);
    expect(await session().request(srv.paths.config, {})).toEqual({ ok: true, value: { via: "proxy" } });
    expect(connects).toContain(`CONNECT ${srv.host} HTTP/1.1`);
  } finally {
    proxy.close();
  }
});

test("a server that does not answer times out with one line", async () => {
  const srv = server();
  srv.stall.add("config");
  const r = await post({ ...tlsSettings(), timeoutMs: 300 }, srv.paths.config, {});
  expect(r).toEqual({ ok: false, error: { kind: "transport", message: `TLS request to https://${srv.host}${srv.paths.config} failed: no reply within the timeout` } });
});

test("an unreadable --tls_server_certs: a warning, then the system store, which does not trust the test CA", async () => {
  const srv = server();
  setFlag("tls_server_certs", `${pki.dir}/missing.pem`);
  const lines: string[] = [];
  const write = status.stderrWrite;
  status.stderrWrite = (t) => void lines.push(t);
  try {
    const r = await post(tlsSettings(), srv.paths.enroll, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain("not signed by a trusted CA");
  } finally {
    status.stderrWrite = write;
  }
  expect(lines.join("")).toContain(`Cannot read TLS server certificate(s): ${pki.dir}/missing.pem`);
  expect(srv.requests.length).toBe(0);
});

test("the system store is the distribution's CA bundle: a CA added there is trusted", async () => {
  const srv = server();
  // The first bundle on the list that exists wins; missing ones are passed over.
  const ca = systemCaBundle([`${pki.dir}/no-such-bundle.crt`, `${pki.dir}/ca.pem`]);
  expect(ca).toBe(await Bun.file(`${pki.dir}/ca.pem`).text());
  const r = await post({ ...tlsSettings(), ca }, srv.paths.enroll, { enroll_secret: "x" });
  expect(srv.requests.length).toBe(1);
  expect(r.ok || r.error.kind !== "transport").toBe(true);
  // This host's own bundle is what the flagless client reads (Debian's ca-certificates).
  expect(systemCaBundle()).toBe(await Bun.file("/etc/ssl/certs/ca-certificates.crt").text());
});

test("enroll retries wait min(n², --tls_enroll_max_interval) seconds, --tls_enroll_max_attempts in all", async () => {
  const srv = server({ secret: "the-real-one" });
  const wrong = `${pki.dir}/wrong-secret`;
  await Bun.write(wrong, "not-it");
  setFlag("enroll_secret_path", wrong);
  setFlag("tls_enroll_max_attempts", "6");
  setFlag("tls_enroll_max_interval", "10");
  const sleeps: number[] = [];
  const r = await session(sleeps).request(srv.paths.config, {});
  expect(r.ok).toBe(false);
  expect(srv.requestsTo("enroll").length).toBe(6);
  expect(sleeps).toEqual([1000, 4000, 9000, 10000, 10000]);
  expect(srv.requestsTo("config").length).toBe(0);
});

test("request attempts sleep 1 s then 4 s between tries", async () => {
  const srv = server();
  srv.fail.add("config");
  const sleeps: number[] = [];
  const s = session(sleeps);
  const r = await s.request(srv.paths.config, {}, { attempts: 3 });
  expect(r.ok).toBe(false);
  expect(srv.requestsTo("config").length).toBe(3);
  expect(sleeps).toEqual([1000, 4000]);
});

test("two plugins asking at once share one enrollment", async () => {
  const srv = server();
  const s = session();
  const [a, b] = await Promise.all([s.request(srv.paths.config, {}), s.request(srv.paths.read, {})]);
  expect(a.ok && b.ok).toBe(true);
  expect(srv.requestsTo("enroll").length).toBe(1);
});

test("osctrl's refusal of a bad secret (403, empty body) is a failed enrollment, not a key", async () => {
  const srv = server({ style: "osctrl", secret: "the-real-one" });
  const wrong = `${pki.dir}/wrong-secret-osctrl`;
  await Bun.write(wrong, "not-it");
  setFlag("enroll_secret_path", wrong);
  setFlag("tls_enroll_max_attempts", "2");
  const write = status.stderrWrite;
  const lines: string[] = [];
  status.stderrWrite = (t) => void lines.push(t);
  try {
    const r = await session().request(srv.paths.config, {});
    expect(r).toEqual({ ok: false, error: { kind: "transport", message: "TLS request not sent: enrollment failed, no node key" } });
  } finally {
    status.stderrWrite = write;
  }
  expect(srv.requestsTo("enroll").length).toBe(2);
  expect(lines.join("")).toContain("No node key returned from TLS enroll plugin");
  expect(srv.requestsTo("config").length).toBe(0);
});

test("a key the server keeps refusing: one re-enrollment, then node_invalid for the plugin", async () => {
  const srv = server();
  srv.nodeInvalidNext = 2;
  const r = await session().request(srv.paths.config, {});
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.kind).toBe("node_invalid");
  expect(srv.requestsTo("enroll").length).toBe(2);
  expect(srv.requestsTo("config").length).toBe(2);
});

test("--tls_session_reuse keeps one connection; false opens one per request", async () => {
  const srv = server();
  const s = session();
  await s.request(srv.paths.config, {});
  await s.request(srv.paths.config, {});
  const reused = srv.requests.map((r) => r.clientPort);
  expect(new Set(reused).size).toBe(1);

  setFlag("tls_session_reuse", "false");
  await s.request(srv.paths.config, {});
  await s.request(srv.paths.config, {});
  const fresh = srv.requests.slice(reused.length).map((r) => r.clientPort);
  expect(new Set(fresh).size).toBe(2);
});
