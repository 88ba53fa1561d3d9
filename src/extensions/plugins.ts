// Core's record of registered extensions and the plugins they broadcast
// (osquery's RegistryFactory routes): who owns which table, config, logger or
// distributed plugin, and the one pooled connection core calls each through.
// The manager (manager.ts) adds and removes extensions; the query path, the
// daemon's plugin choice and the osquery_* tables read from here.
import { errorMessage, verbose } from "../logger/glog.ts";
import { flags } from "../flags/flags.ts";
import { connectExtensionClient, ThriftError, type ExtensionClient } from "./thrift.ts";
import { ExtensionCode, type ExtensionRegistry, type ExtensionResponse, type StringMap } from "./protocol.ts";

export interface RegisteredExtension {
  readonly uuid: number;
  readonly name: string;
  readonly version: string;
  readonly sdkVersion: string;
  readonly minSdkVersion: string;
  /** Where the extension serves: `<extensions_socket>.<uuid>`. */
  readonly path: string;
  readonly registry: ExtensionRegistry;
  /** When it registered (ms since the epoch). */
  readonly registeredAt: number;
}

/** Told when an extension comes or goes (the table registry adds or drops its tables). */
export interface ExtensionListener {
  added(ext: RegisteredExtension): void;
  removed(ext: RegisteredExtension): void;
}

const extensions = new Map<number, RegisteredExtension>();
const listeners: ExtensionListener[] = [];
const clients = new Map<number, Promise<ExtensionClient>>();

export function addExtensionListener(l: ExtensionListener): void {
  listeners.push(l);
  for (const ext of extensions.values()) l.added(ext);
}

/** Registered extensions, by uuid order. */
export function registeredExtensions(): RegisteredExtension[] {
  return [...extensions.values()].sort((a, b) => a.uuid - b.uuid);
}

export function extensionByUuid(uuid: number): RegisteredExtension | undefined {
  return extensions.get(uuid);
}

/** The extension that broadcast `name` in `registry`, if any. */
export function pluginOwner(registry: string, name: string): RegisteredExtension | undefined {
  for (const ext of extensions.values()) {
    if (ext.registry[registry] && Object.hasOwn(ext.registry[registry], name)) return ext;
  }
  return undefined;
}

/** Every extension plugin of `registry`: name → owner uuid. */
export function extensionPlugins(registry: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const ext of extensions.values()) {
    for (const name of Object.keys(ext.registry[registry] ?? {})) out.set(name, ext.uuid);
  }
  return out;
}

export function addExtension(ext: RegisteredExtension): void {
  extensions.set(ext.uuid, ext);
  for (const l of listeners) l.added(ext);
}

/** Forgets an extension, its plugins and its connection; returns it, or undefined when unknown. */
export function removeExtension(uuid: number): RegisteredExtension | undefined {
  const ext = extensions.get(uuid);
  if (!ext) return undefined;
  extensions.delete(uuid);
  dropClient(uuid);
  for (const l of listeners) l.removed(ext);
  return ext;
}

function dropClient(uuid: number): void {
  const c = clients.get(uuid);
  clients.delete(uuid);
  c?.then((client) => client.close()).catch((e: unknown) => verbose("plugins.ts", `extension ${uuid}'s connection was already gone: ${errorMessage(e)}`));
}

function client(ext: RegisteredExtension): Promise<ExtensionClient> {
  let c = clients.get(ext.uuid);
  if (!c) {
    c = connectExtensionClient(ext.path, { timeoutMs: flags.num("thrift_timeout") * 1000 });
    clients.set(ext.uuid, c);
    // A failed connection is not kept: the next call tries again.
    c.catch(() => {
      if (clients.get(ext.uuid) === c) clients.delete(ext.uuid);
    });
  }
  return c;
}

/**
 * Calls a plugin of a registered extension. Rejects with the reason when the
 * extension cannot be reached or (unless `anyCode`: a logger's features come
 * as its status code) its answer is not SUCCESS.
 */
export async function callExtension(uuid: number, registry: string, item: string, request: StringMap, anyCode = false): Promise<ExtensionResponse> {
  const ext = extensions.get(uuid);
  if (!ext) throw new Error(`extension ${uuid} is not registered`);
  let c: ExtensionClient;
  try {
    c = await client(ext);
    if (c.closed) {
      dropClient(uuid);
      c = await client(ext);
    }
  } catch (e) {
    // Nothing serves its socket any more: the extension is gone, as core's
    // health check would find at its next interval; its plugins go now. One
    // that registered within an interval may not serve its socket yet.
    const settled = Date.now() - ext.registeredAt >= (parseInt(flags.get("extensions_interval"), 10) || 3) * 1000;
    if (settled && e instanceof ThriftError && (e.errno === "ENOENT" || e.errno === "ECONNREFUSED")) {
      verbose("plugins.ts", `Extension UUID ${uuid} has gone away: ${errorMessage(e)}`);
      removeExtension(uuid);
      throw new Error(`extension ${ext.name} (${uuid}) has gone away`);
    }
    throw new Error(`cannot reach extension ${ext.name} (${uuid}): ${errorMessage(e)}`);
  }
  let r: ExtensionResponse;
  try {
    r = await c.call(registry, item, request);
  } catch (e) {
    // A broken connection is reopened by the next call.
    if (e instanceof ThriftError && c.closed && clients.get(uuid)) dropClient(uuid);
    throw new Error(`extension ${ext.name} (${uuid}) ${registry} plugin ${item}: ${errorMessage(e)}`);
  }
  if (!anyCode && r.status.code !== ExtensionCode.SUCCESS) throw new Error(r.status.message || `extension ${ext.name} answered code ${r.status.code}`);
  return r;
}

/** Calls the extension that owns `registry`/`name`; rejects when none does. */
export async function callPlugin(registry: string, name: string, request: StringMap, anyCode = false): Promise<ExtensionResponse> {
  const owner = pluginOwner(registry, name);
  if (!owner) throw new Error(`Unknown registry plugin: ${name}`);
  return callExtension(owner.uuid, registry, name, request, anyCode);
}
