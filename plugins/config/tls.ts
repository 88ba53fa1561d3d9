// The tls config plugin (--config_plugin=tls): the config is the reply of
// --config_tls_endpoint, one source named "tls_plugin" as in osquery, applied
// by the same Config class as the filesystem plugin's files. A failed fetch
// leaves the last good config in place (the daemon's refresh loop then retries
// after --config_accelerated_refresh). osquery's tls plugin resolves no packs
// given by name, so neither does this one.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { Result } from "../../src/result.ts";
import type { RemoteError } from "../../src/remote/session.ts";
import type { ConfigPlugin, GenConfigResult, GenPackResult } from "./plugin.ts";

export interface TlsConfigDeps {
  readonly endpoint: () => string;
  readonly attempts: () => number;
  readonly request: (endpoint: string, body: JsonObject, attempts: number) => Promise<Result<JsonObject, RemoteError>>;
  /** --enroll_always: drop the cached node key once, before the first fetch. */
  readonly enrollAlways: () => boolean;
  readonly clearNodeKey: () => Promise<void>;
}

export const TLS_SOURCE = "tls_plugin";

export class TlsConfigPlugin implements ConfigPlugin {
  readonly name = "tls";
  private setUp = false;

  constructor(private readonly deps: TlsConfigDeps) {}

  async genConfig(): Promise<GenConfigResult> {
    if (!this.setUp) {
      this.setUp = true;
      if (this.deps.enrollAlways()) await this.deps.clearNodeKey();
    }
    const r = await this.deps.request(this.deps.endpoint(), {}, this.deps.attempts());
    if (!r.ok) return { ok: false, error: r.error.message };
    return { ok: true, sources: new Map([[TLS_SOURCE, JSON.stringify(r.value)]]) };
  }

  genPack(): GenPackResult {
    return { ok: false, error: "Not implemented" };
  }
}
