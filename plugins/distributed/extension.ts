// A distributed plugin an extension serves: `{action: getQueries}` answers
// [{results: <json>}] and `{action: writeResults, results: <json>}` sends the
// results, as osquery's Distributed makes the calls.
import type { JsonObject } from "../../src/daemon/config-text.ts";
import { errorMessage } from "../../src/logger/glog.ts";
import { err, ok, type Result } from "../../src/result.ts";
import type { StringMap } from "../../src/extensions/protocol.ts";
import type { DistributedPlugin } from "./plugin.ts";

export type PluginCall = (request: StringMap) => Promise<StringMap[]>;

export class ExtensionDistributedPlugin implements DistributedPlugin {
  constructor(
    readonly name: string,
    private readonly call: PluginCall,
  ) {}

  async getQueries(): Promise<Result<JsonObject, string>> {
    let response: StringMap[];
    try {
      response = await this.call({ action: "getQueries" });
    } catch (e) {
      return err(errorMessage(e));
    }
    const text = response[0]?.["results"];
    // No results field: the server has no work (osquery treats it as success).
    if (text === undefined || text === "") return ok({});
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return err("Distributed read results are not a JSON object");
      return ok(parsed as JsonObject);
    } catch (e) {
      return err(`Cannot parse the distributed read results: ${errorMessage(e)}`);
    }
  }

  async writeResults(results: JsonObject): Promise<Result<void, string>> {
    try {
      await this.call({ action: "writeResults", results: JSON.stringify(results) });
      return ok(undefined);
    } catch (e) {
      return err(errorMessage(e));
    }
  }
}
