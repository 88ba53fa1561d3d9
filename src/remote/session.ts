// The one seam every remote plugin (config, logger, distributed, carver) talks
// through: a request to an endpoint of the TLS server, authenticated with the
// node key. The TLS client (tls.ts) and enrollment (enroll.ts) implement it;
// the plugins take it injected, so their tests drive them with a fake session
// and an injected clock, and the e2e tests with the real one against a local
// HTTPS server.
import type { JsonObject } from "../daemon/config-text.ts";
import type { Result } from "../result.ts";

/** Why a request failed, as the plugins must act on it. */
export interface RemoteError {
  /**
   * "transport": no reply (handshake, connection, timeout): retry later.
   * "node_invalid": the server refused the node key and re-enrollment failed or is off.
   * "rejected": the server replied without success (its body decides, not the HTTP status).
   */
  readonly kind: "transport" | "node_invalid" | "rejected";
  /** One line for the status log. */
  readonly message: string;
}

export interface RequestOptions {
  /** gzip the request body (--logger_tls_compress for the logger). */
  readonly compress?: boolean;
  /** Attempts before giving up (each plugin has its own *_max_attempts flag). */
  readonly attempts?: number;
  /**
   * Unset: the request goes as osquery's TLSRequestHelper sends it, node_key
   * in the body, or with --tls_node_api in the URL instead. Set: as the
   * carver sends its own requests, node_key in the body or not as this says,
   * whatever the node API (the key still goes in the Authorization header).
   * Carve blocks need false: osquery sends none in them, and Fleet reads a
   * block's body as exactly four keys (FLEET.md §7).
   */
  readonly nodeKeyInBody?: boolean;
  /** A GET without a body: osquery's tls config plugin asks this way under --tls_node_api. */
  readonly get?: boolean;
}

export interface RemoteSession {
  /**
   * POSTs `body` with `node_key` added to `endpoint` (a path such as
   * `/api/v1/osquery/log`) of --tls_hostname. On a `node_invalid` reply it
   * re-enrolls once (unless --disable_reenrollment) and repeats the request.
   * Resolves with the reply's JSON object; never rejects.
   */
  request(endpoint: string, body: JsonObject, opts?: RequestOptions): Promise<Result<JsonObject, RemoteError>>;
}
