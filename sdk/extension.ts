// An osquery extension process in a few lines: tables written for osq's own
// registry (defineTable), loggers and config plugins, registered with a
// running osqueryd/osqueryi over osquery's Thrift API and served on
// `<socket>.<uuid>`. The process follows osquery's extension rules
// (INTERFACES §9): it waits up to --timeout for the manager's socket, checks
// core every --interval and exits 0 when core is gone, 1 when core no longer
// lists it, 0 on a shutdown request.
import { existsSync, rmSync } from "node:fs";
import type { Table } from "../src/table.ts";
import { OSQUERY_VERSION } from "../src/version.ts";
import { INFO, setStderrThreshold, verbose } from "../src/logger/glog.ts";
import { connectExtensionClient, serveThrift, type ExtensionClient, type ThriftServer } from "../src/extensions/thrift.ts";
import type { ExtensionRegistry, ExtensionResponse, StringMap } from "../src/extensions/protocol.ts";
import { applyExtensionDelay, flagMs } from "../src/extensions/delay.ts";
import { parseContext, rowToStrings, tableRoute } from "./context.ts";

/** One status line as core hands it to a logger plugin (osquery's StatusLogLine). */
export interface StatusLogLine {
  readonly severity: number;
  readonly filename: string;
  readonly line: number;
  readonly message: string;
  readonly calendarTime: string;
  readonly unixTime: number;
  readonly hostIdentifier: string;
}

type Awaitable<T> = T | Promise<T>;

/** A logger plugin: core sends it result lines (JSON text), snapshots and status lines. */
export interface LoggerPlugin {
  readonly name: string;
  logString(line: string): Awaitable<void>;
  logSnapshot?(line: string): Awaitable<void>;
  logStatus?(lines: readonly StatusLogLine[]): Awaitable<void>;
  logEvent?(line: string): Awaitable<void>;
  init?(processName: string, lines: readonly StatusLogLine[]): Awaitable<void>;
}

/** A config plugin: `genConfig` returns source name → config JSON text, as osquery's genConfig. */
export interface ConfigPlugin {
  readonly name: string;
  genConfig(): Awaitable<Record<string, string>>;
  genPack?(name: string, value: string): Awaitable<string>;
}

export interface ExtensionOptions {
  readonly name: string;
  readonly version?: string;
  readonly tables?: readonly Table[];
  readonly loggers?: readonly LoggerPlugin[];
  readonly configs?: readonly ConfigPlugin[];
  /** The manager's socket; default: the --socket argument, else osquery's /var/osquery/osquery.em. */
  readonly socket?: string;
  /** Arguments to read --socket, --timeout, --interval and --verbose from; default: process.argv. */
  readonly argv?: readonly string[];
  /**
   * Called instead of ending the process when the extension must stop (core
   * gone: 0, deregistered: 1, shutdown request: 0, cannot register: 1).
   */
  readonly onExit?: (code: number, reason: string) => void;
}

export interface RunningExtension {
  readonly uuid: number;
  /** The socket this extension serves: `<manager socket>.<uuid>`. */
  readonly path: string;
  /** Deregisters from core and stops serving. */
  stop(): Promise<void>;
}

const DEFAULT_SOCKET = "/var/osquery/osquery.em";
/** The liveness ping's timeout, osquery's 10 s. */
const PING_TIMEOUT_MS = 10_000;
/** thrift_timeout's default. */
const CALL_TIMEOUT_MS = 300_000;

interface Settings {
  readonly socket: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly verbose: boolean;
}

/** The value of `--name V` or `--name=V` in `argv`; the last one wins, as with gflags. */
function argValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}` || a === `-${name}`) value = argv[++i];
    else if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
  }
  return value;
}

function settingsFrom(opts: ExtensionOptions): Settings {
  const argv = opts.argv ?? process.argv.slice(2);
  return {
    socket: opts.socket ?? argValue(argv, "socket") ?? DEFAULT_SOCKET,
    timeoutMs: flagMs(argValue(argv, "timeout") ?? "3"),
    intervalMs: flagMs(argValue(argv, "interval") ?? "3"),
    verbose: argv.includes("--verbose"),
  };
}

function failed(message: string): ExtensionResponse {
  return { status: { code: 1, message, uuid: 0 }, response: [] };
}

function succeeded(response: StringMap[], code = 0): ExtensionResponse {
  return { status: { code, message: "OK", uuid: 0 }, response };
}

/** Connects to the manager, retrying every 20 ms until `waitMs` has passed (osquery's extensionPathActive). */
async function connectManager(path: string, waitMs: number): Promise<ExtensionClient | string> {
  let client: ExtensionClient | null = null;
  let last = `Extension socket not available: ${path}`;
  await applyExtensionDelay(async () => {
    if (!existsSync(path)) return false;
    try {
      const c = await connectExtensionClient(path, { timeoutMs: PING_TIMEOUT_MS });
      await c.ping().catch((e: unknown) => {
        c.close();
        throw e;
      });
      client = c;
      return true;
    } catch (e) {
      last = `Extension socket not available: ${path}: ${(e as Error).message}`;
      return false;
    }
  }, waitMs);
  return client ?? last;
}

function statusLines(json: string | undefined): StatusLogLine[] {
  if (!json) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    // osquery's deserializeIntermediateLog also hands over no lines for text that is not JSON.
    verbose("extension.ts", `status lines from core are not JSON, none passed on: ${(e as Error).message}`);
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.map((l: Record<string, unknown>) => ({
    severity: Number(l.s ?? 0),
    filename: String(l.f ?? ""),
    line: Number(l.i ?? 0),
    message: String(l.m ?? ""),
    calendarTime: String(l.c ?? ""),
    unixTime: Number(l.u ?? 0),
    hostIdentifier: String(l.h ?? ""),
  }));
}

/** Answers core's call(registry, item, request) as osquery's plugin classes do. */
class Dispatcher {
  private readonly tables = new Map<string, Table>();
  private readonly loggers = new Map<string, LoggerPlugin>();
  private readonly configs = new Map<string, ConfigPlugin>();

  constructor(opts: ExtensionOptions) {
    for (const t of opts.tables ?? []) this.tables.set(t.name, t);
    for (const l of opts.loggers ?? []) this.loggers.set(l.name, l);
    for (const c of opts.configs ?? []) this.configs.set(c.name, c);
  }

  registry(): ExtensionRegistry {
    const registry: ExtensionRegistry = {};
    if (this.tables.size > 0) registry.table = Object.fromEntries([...this.tables].map(([n, t]) => [n, tableRoute(t)]));
    if (this.loggers.size > 0) registry.logger = Object.fromEntries([...this.loggers.keys()].map((n) => [n, []]));
    if (this.configs.size > 0) registry.config = Object.fromEntries([...this.configs.keys()].map((n) => [n, []]));
    return registry;
  }

  async call(registry: string, item: string, request: StringMap): Promise<ExtensionResponse> {
    try {
      if (registry === "table") {
        const table = this.tables.get(item);
        return table ? await this.table(table, request) : failed(`Unknown registry plugin: ${item}`);
      }
      if (registry === "logger") {
        const logger = this.loggers.get(item);
        return logger ? await this.logger(logger, request) : failed(`Unknown registry plugin: ${item}`);
      }
      if (registry === "config") {
        const config = this.configs.get(item);
        return config ? await this.config(config, request) : failed(`Unknown registry plugin: ${item}`);
      }
      return failed(`Unknown registry: ${registry}`);
    } catch (e) {
      // A plugin that throws fails this call only; core gets the reason.
      return failed(e instanceof Error ? e.message : String(e));
    }
  }

  private async table(table: Table, request: StringMap): Promise<ExtensionResponse> {
    const action = request.action;
    if (action === undefined) return failed("Table plugins must include a request action");
    if (action === "columns") return succeeded(tableRoute(table));
    if (action !== "generate") return failed(`Unknown table plugin action: ${action}`);
    const ctx = parseContext(request.context, table);
    if (typeof ctx === "string") return failed(ctx);
    const rows = await table.generate(ctx);
    const out: StringMap[] = new Array<StringMap>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rowToStrings(rows[i]!);
    return succeeded(out);
  }

  private async logger(logger: LoggerPlugin, request: StringMap): Promise<ExtensionResponse> {
    if (request.string !== undefined) await logger.logString(request.string);
    else if (request.snapshot !== undefined) await (logger.logSnapshot ?? logger.logString).call(logger, request.snapshot);
    else if (request.init !== undefined) await logger.init?.(request.init, statusLines(request.log));
    else if (request.status !== undefined) await logger.logStatus?.(statusLines(request.log));
    else if (request.event !== undefined) await logger.logEvent?.(request.event);
    else if (request.action === "features") return succeeded([], (logger.logStatus ? 1 : 0) | (logger.logEvent ? 2 : 0));
    else return failed("Unsupported call to logger plugin");
    return succeeded([]);
  }

  private async config(config: ConfigPlugin, request: StringMap): Promise<ExtensionResponse> {
    if (request.action === undefined) return failed("Config plugins require an action");
    if (request.action === "genConfig") return succeeded([await config.genConfig()]);
    if (request.action === "genPack") {
      if (request.name === undefined || request.value === undefined) return failed("Missing name or value");
      if (!config.genPack) return failed("Not implemented");
      return succeeded([{ [request.name]: await config.genPack(request.name, request.value) }]);
    }
    return failed(`Unknown config plugin action: ${request.action}`);
  }
}

function defaultExit(code: number, reason: string): void {
  process.stderr.write(`${reason}\n`);
  process.exit(code);
}

/**
 * Registers the plugins with core and serves them until core goes away.
 * Resolves once registered; a failure to register ends the process with 1
 * (or calls `onExit`), printing one line saying why.
 */
export async function startExtension(opts: ExtensionOptions): Promise<RunningExtension> {
  const s = settingsFrom(opts);
  const exit = opts.onExit ?? defaultExit;
  const log = (m: string) => {
    if (s.verbose) process.stderr.write(`${opts.name}: ${m}\n`);
  };
  // The protocol layer's connection-level detail, as osquery's --verbose shows its VLOGs.
  if (s.verbose) setStderrThreshold(INFO);
  const dispatcher = new Dispatcher(opts);

  const manager = await connectManager(s.socket, s.timeoutMs);
  if (typeof manager === "string") {
    exit(1, manager);
    throw new Error(manager);
  }
  let status;
  try {
    status = await manager.registerExtension(
      { name: opts.name, version: opts.version ?? "0.0.0", sdk_version: OSQUERY_VERSION, min_sdk_version: "0.0.0" },
      dispatcher.registry(),
    );
  } catch (e) {
    status = { code: 1, message: `Extension register failed: ${(e as Error).message}`, uuid: 0 };
  } finally {
    manager.close();
  }
  if (status.code !== 0) {
    exit(1, status.message);
    throw new Error(status.message);
  }
  const uuid = Number(status.uuid);
  const path = `${s.socket}.${uuid}`;

  let server: ThriftServer | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ended = false;
  const end = async (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    await server?.close();
    exit(code, reason);
  };

  try {
    // A socket left by an earlier run with the same uuid would refuse the bind (osquery removes it too).
    rmSync(path, { force: true });
    server = await serveThrift(path, {
      ping: () => ({ code: 0, message: "pong", uuid }),
      call: async (registry, item, request) => {
        const r = await dispatcher.call(registry, item, request);
        return { ...r, status: { ...r.status, uuid } };
      },
      // Answered first; the process ends right after.
      shutdown: () => void setTimeout(() => void end(0, "Extension shutdown requested"), 0),
    });
  } catch (e) {
    const reason = `Cannot serve the extension socket ${path}: ${(e as Error).message}`;
    exit(1, reason);
    throw new Error(reason);
  }
  log(`registered as ${uuid}, serving ${path}`);

  // osquery's ExtensionWatcher: core gone → 0; core no longer lists this uuid → 1.
  const watch = async () => {
    if (ended) return;
    if (!existsSync(s.socket)) return end(0, "Extension watcher ending: osquery core has gone away");
    let client: ExtensionClient | null = null;
    try {
      client = await connectExtensionClient(s.socket, { timeoutMs: CALL_TIMEOUT_MS });
      const listed = await client.extensions();
      if (!listed.has(uuid)) return end(1, "Extension not registered with osquery core");
    } catch {
      return end(0, "Extension watcher ending: osquery core has gone away");
    } finally {
      client?.close();
    }
    timer = setTimeout(() => void watch(), s.intervalMs);
  };
  timer = setTimeout(() => void watch(), s.intervalMs);

  return {
    uuid,
    path,
    stop: async () => {
      ended = true;
      if (timer) clearTimeout(timer);
      try {
        const client = await connectExtensionClient(s.socket, { timeoutMs: PING_TIMEOUT_MS });
        await client.deregisterExtension(uuid).finally(() => client.close());
      } catch (e) {
        log(`deregistration failed (core gone?): ${(e as Error).message}`);
      }
      await server?.close();
    },
  };
}
