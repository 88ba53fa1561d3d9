// Enrollment (INTERFACES §8): the node key is asked for lazily, the first time
// a TLS plugin needs one, and kept in LMDB under configurations/nodeKey so a
// restart does not enroll again. A node_invalid reply clears it and the next
// request enrolls again. The enroll request carries the secret, the host
// identifier and host_details, whose every value is a JSON string (Fleet
// decodes them as map[string]string and refuses anything else).
import { readFileSync } from "node:fs";
import { flags } from "../flags/flags.ts";
import { status } from "../logger/status.ts";
import { errorMessage } from "../logger/glog.ts";
import { hostIdentifier } from "../identity.ts";
import type { JsonObject } from "../daemon/config-text.ts";
import type { Store } from "../store/store.ts";
import type { Result } from "../result.ts";
import type { RemoteError } from "./session.ts";
import type { Sleep } from "./tls.ts";

const FILE = "enroll.ts";
export const NODE_KEY = "nodeKey";
const NODE_KEY_TIME = "nodeKeyTime";
/** osquery's kPlatformType for Linux (POSIX | LINUX bits), sent as a string. */
const PLATFORM_TYPE = "9";
export const HOST_DETAIL_TABLES = ["os_version", "osquery_info", "system_info", "platform_info"] as const;

/** The secret from --enroll_secret_path (trimmed) or else --enroll_secret_env; "" with a warning when unreadable. */
export function enrollSecret(): string {
  const path = flags.get("enroll_secret_path");
  if (path !== "") {
    try {
      return readFileSync(path, "utf8").trim();
    } catch (e) {
      status.warning(FILE, `Could not read the enroll secret file at ${path}, error: ${errorMessage(e)}`);
      return "";
    }
  }
  const env = flags.get("enroll_secret_env");
  if (env !== "") {
    const value = process.env[env];
    if (value === undefined) {
      status.warning(FILE, `Could not get enroll secret from environment variable: ${env}`);
      return "";
    }
    return value;
  }
  return "";
}

export type Send = (endpoint: string, body: JsonObject) => Promise<Result<JsonObject, RemoteError>>;

export interface EnrollDeps {
  readonly store: Store;
  /** One POST to the server, without a node key. */
  readonly send: Send;
  /** table → first row of `SELECT * FROM table`, values as text; a table that fails is left out. */
  readonly hostDetails: () => Promise<Record<string, Record<string, string>>>;
  readonly sleep: Sleep;
  readonly now: () => number;
}

export class Enrollment {
  /** One enrollment at a time: the plugins that ask meanwhile share its key. */
  private pending: Promise<string> | null = null;

  constructor(private readonly deps: EnrollDeps) {}

  /** The cached node key, or a new one from the server; "" when enrollment failed or is disabled. */
  nodeKey(): Promise<string> {
    const cached = this.deps.store.get("configurations", NODE_KEY);
    if (cached) return Promise.resolve(cached);
    if (flags.bool("disable_enrollment")) return Promise.resolve("");
    this.pending ??= this.enroll().finally(() => (this.pending = null));
    return this.pending;
  }

  async clear(): Promise<void> {
    await this.deps.store
      .write((w) => w.del("configurations", NODE_KEY))
      .catch((e: unknown) => status.warning(FILE, `Cannot clear the node key: ${errorMessage(e)}`));
  }

  private async enroll(): Promise<string> {
    const endpoint = flags.get("enroll_tls_endpoint");
    const max = flags.num("tls_enroll_max_attempts");
    const maxInterval = flags.num("tls_enroll_max_interval");
    // Not a failure that time mends: retrying would only hold the caller up.
    if (flags.get("tls_hostname") === "") {
      status.warning(FILE, "Cannot enroll: --tls_hostname is not set");
      return "";
    }
    status.verbose(FILE, `TLSEnrollPlugin requesting a node enroll key from: https://${flags.get("tls_hostname")}${endpoint}`);
    const requestTime = this.deps.now();
    let step = 1;
    for (let attempt = 1; ; attempt++) {
      const r = await this.requestKey(endpoint);
      if (r.ok) {
        await this.deps.store
          .write((w) => {
            w.put("configurations", NODE_KEY, r.value);
            w.put("configurations", NODE_KEY_TIME, String(requestTime));
          })
          // Unsaved, the key still serves this run; the next start enrolls again.
          .catch((e: unknown) => status.warning(FILE, `Cannot save the node key: ${errorMessage(e)}`));
        return r.value;
      }
      if (max !== 0 && attempt >= max) {
        status.warning(FILE, `Failed enrollment request to https://${flags.get("tls_hostname")}${endpoint} (${r.error}), giving up after ${attempt} attempts`);
        return "";
      }
      status.warning(FILE, `Failed enrollment request to https://${flags.get("tls_hostname")}${endpoint} (${r.error}) retrying...`);
      const interval = Math.min(step * step, maxInterval);
      if (interval < maxInterval) step++;
      await this.deps.sleep(interval * 1000);
    }
  }

  private async requestKey(endpoint: string): Promise<{ ok: true; value: string } | { ok: false; error: string }> {
    const body: JsonObject = {
      [flags.get("tls_enroll_override")]: enrollSecret(),
      host_identifier: hostIdentifier(),
      platform_type: PLATFORM_TYPE,
      host_details: await this.deps.hostDetails(),
    };
    const r = await this.deps.send(endpoint, body);
    if (!r.ok) return { ok: false, error: r.error.message };
    const key = r.value.node_key ?? r.value.id;
    if (typeof key !== "string" || key === "") return { ok: false, error: "No node key returned from TLS enroll plugin" };
    return { ok: true, value: key };
  }
}
