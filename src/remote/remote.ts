// Opens the daemon's one remote session: the TLS client with enrollment, shared
// by the tls config, logger, distributed and carver plugins. One session per
// store, so plugins opened apart still share one node key and one enrollment
// (two enrollments at once would leave one plugin with a key the server has
// already replaced).
import type { Store } from "../store/store.ts";
import { flags } from "../flags/flags.ts";
import { status } from "../logger/status.ts";
import { errorMessage } from "../logger/glog.ts";
import { runQuery } from "../sql/engine.ts";
import type { JsonObject } from "../daemon/config-text.ts";
import { err, type Result } from "../result.ts";
import type { RemoteError, RemoteSession, RequestOptions } from "./session.ts";
import { endpointPath, post, postWithRetries, tlsSettings, withQuery, type Sleep } from "./tls.ts";
import { Enrollment, HOST_DETAIL_TABLES, enrollSecret } from "./enroll.ts";

const FILE = "remote.ts";

/** host_details: the first row of each table, every value as a JSON string. */
async function hostDetails(): Promise<Record<string, Record<string, string>>> {
  const details: Record<string, Record<string, string>> = {};
  for (const table of HOST_DETAIL_TABLES) {
    try {
      const r = await runQuery(`SELECT * FROM ${table}`);
      const row = r.rows[0];
      if (!row) continue;
      const detail: Record<string, string> = {};
      r.columns.forEach((c, i) => (detail[c.name] = row[i] === null || row[i] === undefined ? "" : String(row[i])));
      details[table] = detail;
    } catch (e) {
      status.verbose(FILE, `Host detail ${table} left out of the enroll request: ${errorMessage(e)}`);
    }
  }
  return details;
}

export class TlsSession implements RemoteSession {
  readonly enrollment: Enrollment;

  constructor(
    store: Store,
    private readonly sleep: Sleep = (ms) => Bun.sleep(ms),
  ) {
    this.enrollment = new Enrollment({
      store,
      // osquery's enroll plugin adds only the secret to its URL, never the node API's key.
      send: (endpoint, body) => post(tlsSettings(), flags.bool("tls_secret_always") ? withQuery(endpoint, `${flags.get("tls_enroll_override")}=${enrollSecret()}`) : endpoint, body),
      hostDetails,
      sleep,
      now: () => Math.floor(Date.now() / 1000),
    });
  }

  async request(endpoint: string, body: JsonObject, opts: RequestOptions = {}): Promise<Result<JsonObject, RemoteError>> {
    for (let round = 0; ; round++) {
      const key = await this.enrollment.nodeKey();
      if (key === "" && !flags.bool("disable_enrollment")) {
        return err({ kind: "transport", message: "TLS request not sent: enrollment failed, no node key" });
      }
      let path = endpointPath(endpoint, key, enrollSecret);
      let sent: JsonObject;
      if (opts.nodeKeyInBody !== undefined) sent = opts.nodeKeyInBody ? { ...body, node_key: key } : body;
      else if (flags.bool("tls_node_api")) {
        // osquery appends the key with "&" whether or not the URL has a query yet.
        path += `&node_key=${key}`;
        sent = body;
      } else sent = { ...body, node_key: key };
      const r = await postWithRetries(() => post(tlsSettings(), path, sent, { nodeKey: key, compress: opts.compress, get: opts.get }), opts.attempts ?? 1, this.sleep);
      if (r.ok || r.error.kind !== "node_invalid") return r;
      if (flags.bool("disable_reenrollment")) return r;
      await this.enrollment.clear();
      if (round > 0) return r;
      status.info(FILE, `${r.error.message}: enrolling again`);
    }
  }
}

const sessions = new WeakMap<Store, TlsSession>();

export function openRemoteSession(store: Store): RemoteSession {
  return tlsSession(store);
}

/** The session with its enrollment, for the tls config plugin's --enroll_always. */
export function tlsSession(store: Store): TlsSession {
  let s = sessions.get(store);
  if (!s) {
    s = new TlsSession(store);
    sessions.set(store, s);
  }
  return s;
}
