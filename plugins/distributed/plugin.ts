// The distributed plugin API (osquery's DistributedPlugin): fetch the work the
// server has for this node, and send back what it produced. The runner
// (src/daemon/distributed.ts) owns everything in between, so a plugin only
// moves JSON objects.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import type { Result } from "../../src/result.ts";

export interface DistributedPlugin {
  readonly name: string;
  /** The server's reply to a read: `{queries, discovery, accelerate}`, or one line saying why there is none. */
  getQueries(): Promise<Result<JsonObject, string>>;
  /** Sends `{queries, statuses, messages, stats}`; the reply is ignored, as osquery ignores it. */
  writeResults(results: JsonObject): Promise<Result<void, string>>;
}
