// A config plugin an extension serves: genConfig and genPack are registry
// calls (`{action: genConfig}` → [{source: json, ...}], `{action: genPack,
// name, value}` → [{<name>: json}]), as osquery's Config makes them.
import { errorMessage } from "../../src/logger/glog.ts";
import type { StringMap } from "../../src/extensions/protocol.ts";
import type { ConfigPlugin, GenConfigResult, GenPackResult } from "./plugin.ts";

export type PluginCall = (request: StringMap) => Promise<StringMap[]>;

export class ExtensionConfigPlugin implements ConfigPlugin {
  constructor(
    readonly name: string,
    private readonly call: PluginCall,
  ) {}

  async genConfig(): Promise<GenConfigResult> {
    try {
      const response = await this.call({ action: "genConfig" });
      return { ok: true, sources: new Map(Object.entries(response[0] ?? {})) };
    } catch (e) {
      return { ok: false, error: errorMessage(e) };
    }
  }

  async genPack(name: string, value: string): Promise<GenPackResult> {
    let response: StringMap[];
    try {
      response = await this.call({ action: "genPack", name, value });
    } catch (e) {
      return { ok: false, error: errorMessage(e) };
    }
    const text = response[0]?.[name];
    if (text === undefined) return { ok: false, error: "Invalid plugin response" };
    return { ok: true, text };
  }
}
