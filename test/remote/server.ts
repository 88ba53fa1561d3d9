// A local osquery remote-API server for the e2e tests (issue 8): Bun.serve with
// TLS on 127.0.0.1, certificates made by `openssl` at test time. Nothing here
// shares code with osq's client, so what it records is what went on the wire.
//
//   const pki = makePki();                       // CA, server cert (localhost + 127.0.0.1), client cert
//   makeOtherCa()                                // an unrelated CA's PEM file (must not be trusted)
//   const srv = startServer({ pki });            // Fleet's paths by default
//   srv.host                                     // "localhost:<port>" for --tls_hostname
//   srv.flags()                                  // the osqueryd flags that point at it (secret file included)
//   srv.requests / srv.requestsTo("config")      // every request: path, headers, body (gunzipped, parsed)
//   srv.config = {...}                           // the config served
//   srv.distributed = { queries, discovery, accelerate }  // what distributed/read answers
//   srv.fail = new Set(["config"])               // answer HTTP 500 + {"error"} on those endpoints
//   srv.stall = new Set(["log"])                 // never answer (the client times out)
//   srv.nodeInvalidNext = 1                      // the next N authenticated requests get node_invalid
//   srv.httpStatus.set("config", 500)           // the usual body, with another HTTP status
//   srv.redirects.set("/old", "/api/v1/osquery/config")  // answer 307 + Location on a path
//   srv.files.set("/rules/a.yar", "rule ...")  // a plain-text answer on any other path (GET or POST)
//   srv.requireGzip = true                       // refuse (400) request bodies that are not gzipped
//   startServer({ pki, requireClientCert: true })// mTLS: the handshake needs pki.clientCert
//   startServer({ pki, style: "osctrl" })        // /<env>/enroll|config|log|read|write|init|block, 200 + node_invalid
//   startServer({ pki, nodeApi: true })          // osquery's node API: /<node_key><endpoint>&node_key=<key>, config by GET as {"config": "<json>"}
//   await srv.stop()
//
// Node keys are "node-key-<n>", one per enrollment; a request is authenticated
// when its body's node_key is the latest one handed out (a stale key is node_invalid).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

export interface Pki {
  readonly dir: string;
  /** PEM file of the throwaway CA (for --tls_server_certs). */
  readonly caFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate and key signed by the same CA (for --tls_client_cert / --tls_client_key). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed (is the Debian package openssl installed?): ${(e as Error).message}`);
  }
}

function signed(dir: string, name: string, subject: string, ext: string, ca: { cert: string; key: string }, days = 2): void {
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", String(days), "-out", `${name}.pem`, "-extfile", `${name}.ext`], dir);
}

/**
 * A fresh CA with a server certificate and a client certificate, in a temp
 * dir. The server certificate names localhost and 127.0.0.1 unless
 * `serverNames` says otherwise (a wrong-host-name test names another host);
 * `serverDays` -1 makes a server certificate that expired yesterday.
 */
export function makePki(serverNames: readonly string[] = ["DNS:localhost", "IP:127.0.0.1"], serverDays = 2): Pki {
  const dir = mkdtempSync(join(tmpdir(), "osq-pki-"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=osq test CA"], dir);
  const ca = { cert: "ca.pem", key: "ca.key" };
  signed(dir, "server", "/CN=osq test server", `subjectAltName=${serverNames.join(",")}\nextendedKeyUsage=serverAuth\n`, ca, serverDays);
  signed(dir, "client", "/CN=osq test client", "extendedKeyUsage=clientAuth\n", ca);
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    clientCertFile: join(dir, "client.pem"),
    clientKeyFile: join(dir, "client.key"),
  };
}

/** A second, unrelated CA (the agent must not trust the server with it). */
export function makeOtherCa(): string {
  const dir = mkdtempSync(join(tmpdir(), "osq-pki-other-"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=another CA"], dir);
  return join(dir, "ca.pem");
}

export type Endpoint = "enroll" | "config" | "log" | "read" | "write" | "carve_begin" | "carve_block";

export interface RecordedRequest {
  readonly endpoint: Endpoint | null;
  readonly path: string;
  /** The request target as sent (path and query), before any node-API parts are taken off `path`. */
  readonly target: string;
  /** The query string's parameters, in order. */
  readonly query: [string, string][];
  readonly method: string;
  readonly headers: Record<string, string>;
  /** The body after gunzip, parsed as JSON (null when it is not JSON). */
  readonly body: Record<string, unknown> | null;
  readonly raw: string;
  readonly gzipped: boolean;
  /** The client's source port: the same port for two requests means one reused connection. */
  readonly clientPort: number;
}

export interface ServerOptions {
  readonly pki: Pki;
  readonly style?: "fleet" | "osctrl";
  /** osctrl's environment segment. */
  readonly env?: string;
  readonly requireClientCert?: boolean;
  readonly secret?: string;
  /**
   * osquery's node API (--tls_node_api): the path starts with the node key,
   * which the client also appends as `&node_key=<key>` (osquery writes `&`
   * even when there is no `?` yet); requests carry no node_key in the body
   * and are authenticated by the key in the URL; config is fetched by GET
   * and answered as {"config": "<the config as JSON text>"}.
   */
  readonly nodeApi?: boolean;
}

const FLEET_PATHS: Record<Endpoint, string> = {
  enroll: "/api/v1/osquery/enroll",
  config: "/api/v1/osquery/config",
  log: "/api/v1/osquery/log",
  read: "/api/v1/osquery/distributed/read",
  write: "/api/v1/osquery/distributed/write",
  carve_begin: "/api/v1/osquery/carve/begin",
  carve_block: "/api/v1/osquery/carve/block",
};

const OSCTRL_NAMES: Record<Endpoint, string> = {
  enroll: "enroll",
  config: "config",
  log: "log",
  read: "read",
  write: "write",
  carve_begin: "init",
  carve_block: "block",
};

export class TestServer {
  readonly requests: RecordedRequest[] = [];
  readonly paths: Record<Endpoint, string>;
  readonly secret: string;
  readonly secretFile: string;
  config: Record<string, unknown> = {};
  distributed: { queries: Record<string, string>; discovery?: Record<string, string>; accelerate?: number } = { queries: {} };
  fail = new Set<Endpoint>();
  stall = new Set<Endpoint>();
  nodeInvalidNext = 0;
  requireGzip = false;
  /** endpoint → HTTP status sent with its usual body (the client must read the body, not the status). */
  readonly httpStatus = new Map<Endpoint, number>();
  /** path → Location answered with a 307 (the request is recorded, then redirected). */
  readonly redirects = new Map<string, string>();
  /** Plain-text answers on paths that are none of the endpoints (e.g. YARA rules for sigurl). */
  readonly files = new Map<string, string>();
  /** Node keys handed out, in order; the last one is valid. */
  readonly nodeKeys: string[] = [];
  private readonly server: ReturnType<typeof Bun.serve>;
  private readonly stalled: (() => void)[] = [];

  constructor(private readonly opts: ServerOptions) {
    const style = opts.style ?? "fleet";
    const env = opts.env ?? "3f7a4c2e-9b1d-4e8f-a6c5-0d2b7e9f1a34";
    this.paths = { ...FLEET_PATHS };
    if (style === "osctrl") for (const k of Object.keys(OSCTRL_NAMES) as Endpoint[]) this.paths[k] = `/${env}/${OSCTRL_NAMES[k]}`;
    this.secret = opts.secret ?? "test-enroll-secret";
    this.secretFile = join(opts.pki.dir, `secret-${Math.random().toString(36).slice(2)}`);
    writeFileSync(this.secretFile, `${this.secret}\n`);
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: {
        cert: readFileSync(opts.pki.serverCert, "utf8"),
        key: readFileSync(opts.pki.serverKey, "utf8"),
        ca: readFileSync(opts.pki.caFile, "utf8"),
        requestCert: opts.requireClientCert ?? false,
        rejectUnauthorized: opts.requireClientCert ?? false,
      },
      fetch: (req) => this.handle(req),
    });
  }

  get port(): number {
    return this.server.port ?? 0;
  }

  /** --tls_hostname: the certificate's name and the port. */
  get host(): string {
    return `localhost:${this.port}`;
  }

  /** The flags that point osqueryd at this server (endpoints, CA, secret). */
  flags(): string[] {
    return [
      `--tls_hostname=${this.host}`,
      `--tls_server_certs=${this.opts.pki.caFile}`,
      `--enroll_secret_path=${this.secretFile}`,
      `--enroll_tls_endpoint=${this.paths.enroll}`,
      `--config_tls_endpoint=${this.paths.config}`,
      `--logger_tls_endpoint=${this.paths.log}`,
      `--distributed_tls_read_endpoint=${this.paths.read}`,
      `--distributed_tls_write_endpoint=${this.paths.write}`,
      `--carver_start_endpoint=${this.paths.carve_begin}`,
      `--carver_continue_endpoint=${this.paths.carve_block}`,
    ];
  }

  requestsTo(endpoint: Endpoint): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  /** Resolves once `pred` holds for the recorded requests, or rejects after `ms`. */
  async waitFor(pred: (reqs: RecordedRequest[]) => boolean, ms = 15_000, what = "the expected requests"): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this.requests)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.requests.map((r) => r.path))}`);
      await Bun.sleep(50);
    }
  }

  async stop(): Promise<void> {
    for (const release of this.stalled) release();
    await this.server.stop(true);
  }

  private reply(status: number, body: unknown): Response {
    const text = body === "" ? "" : JSON.stringify(body);
    return new Response(text, { status, headers: { "content-type": "application/json; charset=utf-8" } });
  }

  private nodeInvalid(): Response {
    return this.opts.style === "osctrl" ? this.reply(200, { node_invalid: true }) : this.reply(401, { error: "invalid node key", node_invalid: true });
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    let path = url.pathname;
    const query = [...url.searchParams.entries()];
    let urlNodeKey: string | null = null;
    if (this.opts.nodeApi) {
      const amp = path.indexOf("&node_key=");
      if (amp >= 0) {
        urlNodeKey = decodeURIComponent(path.slice(amp + "&node_key=".length));
        path = path.slice(0, amp);
      }
      urlNodeKey ??= url.searchParams.get("node_key");
      const prefixed = /^\/(node-key-\d+)(\/.*)$/.exec(path);
      if (prefixed) {
        if (prefixed[1] !== urlNodeKey && urlNodeKey !== null) return this.reply(400, { error: "the node keys of the path and the query differ" });
        path = prefixed[2]!;
      }
    }
    // Fleet serves its osquery API under /api/osquery/ as well as /api/v1/osquery/ (its flagfile uses both).
    const canonical = (this.opts.style ?? "fleet") === "fleet" ? path.replace(/^\/api\/osquery\//, "/api/v1/osquery/") : path;
    const endpoint = (Object.keys(this.paths) as Endpoint[]).find((k) => this.paths[k] === canonical) ?? null;
    const bytes = Buffer.from(await req.arrayBuffer());
    const gzipped = (req.headers.get("content-encoding") ?? "").toLowerCase() === "gzip";
    let raw: string;
    try {
      raw = (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
    } catch {
      raw = bytes.toString("latin1");
    }
    let body: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = null;
    }
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    const clientPort = this.server.requestIP(req)?.port ?? 0;
    this.requests.push({ endpoint, path, target: url.pathname + url.search, query, method: req.method, headers, body, raw, gzipped, clientPort });

    const location = this.redirects.get(path);
    if (location !== undefined) return new Response(null, { status: 307, headers: { location } });
    const file = this.files.get(path);
    if (file !== undefined) return new Response(file);
    if (endpoint === null) return this.reply(404, { error: `no such endpoint ${path}` });
    if (this.stall.has(endpoint)) return new Promise<Response>((resolve) => this.stalled.push(() => resolve(this.reply(503, { error: "stalled" }))));
    if (this.fail.has(endpoint)) return this.reply(500, { error: "told to fail" });
    if (this.requireGzip && endpoint === "log" && !gzipped) return this.reply(400, { error: "gzip required" });
    const answer = this.answer(endpoint, body, urlNodeKey);
    if (answer instanceof Response) return answer;
    if ((req.headers.get("accept-encoding") ?? "").includes("gzip")) {
      return new Response(gzipSync(JSON.stringify(answer)), { headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    }
    return this.reply(this.httpStatus.get(endpoint) ?? 200, answer);
  }

  private answer(endpoint: Endpoint, body: Record<string, unknown> | null, urlNodeKey: string | null): Response | Record<string, unknown> {
    if (endpoint === "enroll") {
      if (body?.enroll_secret !== this.secret) {
        return this.opts.style === "osctrl" ? this.reply(403, "") : this.reply(401, { error: "bad enroll secret", node_invalid: true });
      }
      const key = `node-key-${this.nodeKeys.length + 1}`;
      this.nodeKeys.push(key);
      return { node_key: key, node_invalid: false };
    }
    if (endpoint !== "carve_block") {
      if (this.nodeInvalidNext > 0) {
        this.nodeInvalidNext--;
        return this.nodeInvalid();
      }
      // The carver sends its own requests: node_key in the start request's body, not in the URL.
      const key = this.opts.nodeApi ? (urlNodeKey ?? body?.node_key) : body?.node_key;
      if (key !== this.nodeKeys.at(-1)) return this.nodeInvalid();
    }
    switch (endpoint) {
      case "config":
        return this.opts.nodeApi ? { config: JSON.stringify(this.config) } : this.config;
      case "read":
        return this.distributed;
      case "carve_begin":
        return { session_id: `session-${this.requests.length}`, success: true };
      default:
        return {};
    }
  }
}

export function startServer(opts: ServerOptions): TestServer {
  return new TestServer(opts);
}
