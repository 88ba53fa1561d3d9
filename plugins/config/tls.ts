// The tls config plugin (--config_plugin=tls): the config is the reply of
// --config_tls_endpoint, one source named "tls_plugin" as in osquery, applied
// by the same Config class as the filesystem plugin's files. A failed fetch
// leaves the last good config in place (the daemon's refresh loop then retries
// after --config_accelerated_refresh). osquery's tls plugin resolves no packs
// given by name, so neither does this one.
//
// Under --tls_node_api the config is fetched with a GET, and the reply
// carries it as a JSON-escaped string in its `config` key, as osquery's node
// API has it.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { Result } from "../../src/result.ts";
import type { RemoteError } from "../../src/remote/session.ts";
import type { ConfigPlugin, GenConfigResult, GenPackResult } from "./plugin.ts";

export interface TlsConfigDeps {
  readonly endpoint: () => string;
  readonly attempts: () => number;
  /** `get`: a GET without a body (the node API), else a POST. */
  readonly request: (endpoint: string, body: JsonObject, attempts: number, get: boolean) => Promise<Result<JsonObject, RemoteError>>;
  /** --tls_node_api. */
  readonly nodeApi: () => boolean;
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
    const nodeApi = this.deps.nodeApi();
    const r = await this.deps.request(this.deps.endpoint(), {}, this.deps.attempts(), nodeApi);
    if (!r.ok) return { ok: false, error: r.error.message };
    if (!nodeApi) return { ok: true, sources: new Map([[TLS_SOURCE, JSON.stringify(r.value)]]) };
    const embedded = r.value.config;
    return { ok: true, sources: new Map([[TLS_SOURCE, unescapeUnicode(typeof embedded === "string" ? embedded : "")]]) };
  }

  genPack(): GenPackResult {
    return { ok: false, error: "Not implemented" };
  }
}

/**
 * osquery's unescapeUnicode, applied to the node API's config string: a
 * `\uXXXX` left in the text becomes that character when below 255 (others
 * stay as written), `\\` passes through whole, and a `\u` without four hex
 * digits voids the text.
 */
export function unescapeUnicode(text: string): string {
  if (text.length < 6) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (i < text.length - 5 && text[i] === "\\" && text[i + 1] === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return "";
      const value = parseInt(hex, 16);
      if (value < 255) {
        out += String.fromCharCode(value);
        i += 5;
        continue;
      }
    } else if (i < text.length - 1 && text[i] === "\\" && text[i + 1] === "\\") {
      out += text[i];
      i++;
    }
    out += text[i];
  }
  return out;
}
