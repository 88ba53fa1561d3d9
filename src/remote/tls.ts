// The TLS client every remote plugin shares (INTERFACES §8): a POST of JSON to
// https://<tls_hostname><endpoint> with osquery's headers. The reply's body
// decides success, never the HTTP status: Fleet answers node_invalid with a
// 401 and osctrl with a 200, and both must re-enroll the agent. The server
// certificate is always verified (there is no unsafe mode): against
// --tls_server_certs, or the system store when that bundle cannot be read, as
// osquery does.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { flags } from "../flags/flags.ts";
import { status } from "../logger/status.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { isJsonObject, type JsonObject } from "../daemon/config-text.ts";
import { err, ok, type Result } from "../result.ts";
import { readBody } from "../http.ts";
import type { RemoteError } from "./session.ts";

const FILE = "tls.ts";
/** osquery's client timeout, per request. */
const TIMEOUT_MS = 16_000;
const MAX_REDIRECTS = 10;

export interface TlsSettings {
  /** host[:port] of the server. */
  readonly hostname: string;
  /** PEM CA bundle: --tls_server_certs, else the system's bundle; undefined: Bun's root store. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly acceptGzip: boolean;
  /** host[:port] of an HTTP CONNECT proxy. */
  readonly proxy?: string;
  readonly timeoutMs: number;
  /** --tls_session_reuse: keep the connection open between requests. */
  readonly reuse: boolean;
}

/**
 * The system's CA bundle, where each distribution family keeps it (Debian and
 * Ubuntu, RHEL and Fedora, SUSE, Alpine): certificates an administrator added
 * with update-ca-certificates or update-ca-trust are trusted, as they are by
 * osquery's OpenSSL. None found: Bun's own root store.
 */
export const SYSTEM_CA_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

export function systemCaBundle(paths: readonly string[] = SYSTEM_CA_BUNDLES): string | undefined {
  for (const path of paths) {
    try {
      return readFileSync(path, "utf8");
    } catch (e) {
      status.verbose(FILE, `No system CA bundle at ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return undefined;
}

/** Paths already warned about: a missing default bundle would otherwise warn on every request. */
const warned = new Set<string>();

function readPem(path: string, what: string): string | undefined {
  if (path === "") return undefined;
  try {
    const pem = readFileSync(path, "utf8");
    warned.delete(path);
    return pem;
  } catch (e) {
    const why = `Cannot read TLS ${what}: ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    if (warned.has(path)) status.verbose(FILE, why);
    else status.warning(FILE, why);
    warned.add(path);
    return undefined;
  }
}

/** The client's settings from the flags; PEM files are read on every call so rotated certificates take effect. */
export function tlsSettings(): TlsSettings {
  const ca = readPem(flags.get("tls_server_certs"), "server certificate(s)") ?? systemCaBundle();
  let cert: string | undefined;
  let key: string | undefined;
  if (flags.get("tls_client_cert") !== "" && flags.get("tls_client_key") !== "") {
    cert = readPem(flags.get("tls_client_cert"), "client certificate");
    key = cert === undefined ? undefined : readPem(flags.get("tls_client_key"), "client private key");
    if (key === undefined) cert = undefined;
  }
  const proxy = flags.get("proxy_hostname");
  return { hostname: flags.get("tls_hostname"), ca, cert, key, acceptGzip: flags.bool("tls_accept_gzip"), proxy: proxy || undefined, timeoutMs: TIMEOUT_MS, reuse: flags.bool("tls_session_reuse") };
}

export interface PostOptions {
  readonly nodeKey?: string;
  readonly compress?: boolean;
  /** Send a GET without a body instead of a POST. */
  readonly get?: boolean;
}

/**
 * The path and query of a request to `endpoint`, as osquery's makeURI makes
 * it: under --tls_node_api the node key comes first, as the node the
 * endpoint hangs from; --tls_secret_always adds the enroll secret, named by
 * --tls_enroll_override, to the query string. Nothing is percent-encoded,
 * as osquery encodes nothing.
 */
export function endpointPath(endpoint: string, nodeKey: string, secret: () => string): string {
  let path = flags.bool("tls_node_api") ? `/${nodeKey}${endpoint}` : endpoint;
  if (flags.bool("tls_secret_always")) path = withQuery(path, `${flags.get("tls_enroll_override")}=${secret()}`);
  return path;
}

/** `path` with `param` added to its query string. */
export function withQuery(path: string, param: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}${param}`;
}

/** Why fetch() failed, in one line: the TLS verdict when there is one. */
export function describeFailure(e: unknown, url: string): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const why: Record<string, string> = {
    SELF_SIGNED_CERT_IN_CHAIN: "the server certificate is not signed by a trusted CA",
    DEPTH_ZERO_SELF_SIGNED_CERT: "the server certificate is self-signed and not trusted",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server certificate is not signed by a trusted CA",
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server certificate is not signed by a trusted CA",
    UNABLE_TO_GET_ISSUER_CERT: "the server certificate is not signed by a trusted CA",
    CERT_HAS_EXPIRED: "the server certificate has expired",
    CERT_NOT_YET_VALID: "the server certificate is not valid yet",
    ERR_TLS_CERT_ALTNAME_INVALID: "the server certificate does not name this host",
    ECONNREFUSED: "connection refused",
    // The server ended the handshake, as one that requires a client certificate does when none is given.
    EPROTO: "the TLS handshake failed",
    TimeoutError: "no reply within the timeout",
  };
  const name = typeof code === "string" ? code : e instanceof Error ? e.name : "";
  const reason = why[name] ?? message;
  return `TLS request to ${url} failed: ${reason}${why[name] && name !== "TimeoutError" ? ` (${name})` : ""}`;
}

function headers(s: TlsSettings, opts: PostOptions): Record<string, string> {
  const h: Record<string, string> = {
    ...(opts.get ? {} : { "Content-Type": "application/json" }),
    Accept: "application/json",
    "User-Agent": `osquery/${OSQUERY_VERSION}`,
  };
  if (opts.nodeKey) h.Authorization = `NodeKey ${opts.nodeKey}`;
  if (s.acceptGzip) h["Accept-Encoding"] = "gzip";
  if (opts.compress) h["Content-Encoding"] = "gzip";
  return h;
}

/** A reply's body by osquery's rules: empty or a JSON object without `error` and without node_invalid:true. */
export function judgeReply(text: string): Result<JsonObject, RemoteError> {
  if (text.trim() === "") return ok({});
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return err({ kind: "rejected", message: "Request failed: the reply is not JSON" });
  }
  if (!isJsonObject(doc)) return err({ kind: "rejected", message: "Request failed: the reply is not a JSON object" });
  const error = "error" in doc ? (typeof doc.error === "string" ? doc.error : "<unknown>") : null;
  if (doc.node_invalid === true) {
    return err({ kind: "node_invalid", message: `Request failed: Invalid node key${error === null ? "" : `: ${error}`}` });
  }
  if (error !== null) return err({ kind: "rejected", message: `Request failed: ${error}` });
  return ok(doc);
}

/** One POST (or GET, with `opts.get`), following redirects, judged by its body. */
export async function post(s: TlsSettings, endpoint: string, body: JsonObject, opts: PostOptions = {}): Promise<Result<JsonObject, RemoteError>> {
  if (s.hostname === "") return err({ kind: "transport", message: "TLS request failed: --tls_hostname is not set" });
  const json = Buffer.from(JSON.stringify(body));
  // --tls_dump prints raw bodies to stderr, outside the status log, as osquery does.
  const dump = flags.bool("verbose") && flags.bool("tls_dump");
  if (dump && !opts.get) process.stderr.write(`${json.toString("utf8")}\n`);
  const payload = opts.compress ? gzipSync(json) : json;
  let url = `https://${s.hostname}${endpoint}`;
  const tls = { ca: s.ca, cert: s.cert, key: s.key, rejectUnauthorized: true };
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: opts.get ? "GET" : "POST",
        body: opts.get ? undefined : payload,
        headers: headers(s, opts),
        redirect: "manual",
        decompress: s.acceptGzip,
        tls,
        proxy: s.proxy ? `http://${s.proxy}` : undefined,
        signal: AbortSignal.timeout(s.timeoutMs),
        keepalive: s.reuse,
      });
    } catch (e) {
      return err({ kind: "transport", message: describeFailure(e, url) });
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location !== null) {
      if (hop >= MAX_REDIRECTS) return err({ kind: "transport", message: `TLS request to ${url} failed: more than ${MAX_REDIRECTS} redirects` });
      const next = new URL(location, url);
      if (next.protocol !== "https:") return err({ kind: "transport", message: `TLS request to ${url} failed: redirected to a non-HTTPS URL` });
      url = next.href;
      await res.body?.cancel();
      continue;
    }
    let text: string;
    try {
      text = (await readBody(res)).toString("utf8");
    } catch (e) {
      return err({ kind: "transport", message: describeFailure(e, url) });
    }
    if (dump) process.stderr.write(`${text}\n`);
    return judgeReply(text);
  }
}

export type Sleep = (ms: number) => Promise<void>;

/**
 * `post` tried up to `attempts` times, sleeping n² seconds after the n-th
 * failure (1 s, then 4 s), as osquery's TLSRequestHelper does.
 */
export async function postWithRetries(
  send: () => Promise<Result<JsonObject, RemoteError>>,
  attempts: number,
  sleep: Sleep = (ms) => Bun.sleep(ms),
): Promise<Result<JsonObject, RemoteError>> {
  const tries = Math.max(1, attempts);
  for (let i = 1; ; i++) {
    const r = await send();
    if (r.ok || r.error.kind === "node_invalid" || i >= tries) return r;
    status.verbose(FILE, `${r.error.message}, retrying in ${i * i} seconds`);
    await sleep(i * i * 1000);
  }
}
