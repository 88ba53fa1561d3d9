// --distributed_plugin=tls: the read and write endpoints of the TLS server,
// through the daemon's remote session (which adds the node key and
// re-enrolls). Each request is tried --distributed_tls_max_attempts times.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import { err, ok, type Result } from "../../src/result.ts";
import type { RemoteSession } from "../../src/remote/session.ts";
import type { DistributedPlugin } from "./plugin.ts";

export interface TlsDistributedSettings {
  readonly readEndpoint: string;
  readonly writeEndpoint: string;
  readonly maxAttempts: number;
}

export class TlsDistributedPlugin implements DistributedPlugin {
  readonly name = "tls";

  constructor(
    private readonly session: RemoteSession,
    /** Read at each request: config options may change the flags. */
    private readonly settings: () => TlsDistributedSettings,
  ) {}

  async getQueries(): Promise<Result<JsonObject, string>> {
    const s = this.settings();
    const reply = await this.session.request(s.readEndpoint, {}, { attempts: s.maxAttempts });
    return reply.ok ? ok(reply.value) : err(reply.error.message);
  }

  async writeResults(results: JsonObject): Promise<Result<void, string>> {
    const s = this.settings();
    const reply = await this.session.request(s.writeEndpoint, results, { attempts: s.maxAttempts });
    return reply.ok ? ok(undefined) : err(reply.error.message);
  }
}
