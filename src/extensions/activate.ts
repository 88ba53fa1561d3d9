// Core's choice of an extension's plugin for --config_plugin, --logger_plugin
// and --distributed_plugin: found among the registered extensions (waiting,
// as osquery's initActivePlugin does, while autoloaded extensions may still
// bring it) and wrapped in the plugin API the daemon uses.
import { ExtensionConfigPlugin } from "../../plugins/config/extension.ts";
import type { ConfigPlugin } from "../../plugins/config/plugin.ts";
import { ExtensionDistributedPlugin } from "../../plugins/distributed/extension.ts";
import type { DistributedPlugin } from "../../plugins/distributed/plugin.ts";
import { ExtensionLoggerPlugin } from "../../plugins/logger/extension.ts";
import type { LoggerPlugin } from "../../plugins/logger/plugin.ts";
import { awaitExtensionPlugin } from "./manager.ts";
import { callPlugin } from "./plugins.ts";
import type { StringMap } from "./protocol.ts";

function rows(registry: string, name: string): (request: StringMap) => Promise<StringMap[]> {
  return async (request) => (await callPlugin(registry, name, request)).response;
}

export async function extensionConfigPlugin(name: string): Promise<ConfigPlugin | null> {
  if (!(await awaitExtensionPlugin("config", name))) return null;
  return new ExtensionConfigPlugin(name, rows("config", name));
}

export async function extensionDistributedPlugin(name: string): Promise<DistributedPlugin | null> {
  if (!(await awaitExtensionPlugin("distributed", name))) return null;
  return new ExtensionDistributedPlugin(name, rows("distributed", name));
}

/** The extension loggers among `names` (a --logger_plugin list); names no extension has are left out. */
export async function extensionLoggerPlugins(names: readonly string[], hostIdentifier: () => string): Promise<Map<string, LoggerPlugin>> {
  const out = new Map<string, LoggerPlugin>();
  for (const name of names) {
    if (!(await awaitExtensionPlugin("logger", name))) continue;
    out.set(name, new ExtensionLoggerPlugin(name, (request, anyCode) => callPlugin("logger", name, request, anyCode), hostIdentifier));
  }
  return out;
}
