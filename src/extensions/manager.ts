// Core's extension manager (osquery's ExtensionManagerHandler): serves the
// ExtensionManager service on --extensions_socket for osqueryd and osqueryi.
// Extensions register their plugins here; their tables join the table
// registry and their config, logger and distributed plugins become choices
// for the --*_plugin flags (INTERFACES §9).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { flags } from "../flags/flags.ts";
import { FLAGS } from "../flags/registry.ts";
import { ERROR, INFO, WARNING, errorMessage, logToStderr, verbose } from "../logger/glog.ts";
import { registerExtensionTable, removeExtensionTable, tableExists } from "../registry.ts";
import { runtime } from "../runtime.ts";
import { QueryContext, type Constraint, type OpCode, type Row } from "../table.ts";
import {
  addExtension,
  addExtensionListener,
  callExtension,
  extensionByUuid,
  pluginOwner,
  registeredExtensions,
  removeExtension,
  type RegisteredExtension,
} from "./plugins.ts";
import {
  ExtensionCode,
  type ExtensionRegistry,
  type ExtensionResponse,
  type ExtensionStatus,
  type InternalExtensionInfo,
  type InternalOptionInfo,
  type StringMap,
} from "./protocol.ts";
import { extensionTable, parseTableRoute } from "./table.ts";
import { serveThrift, type ManagerHandlers, type ThriftServer } from "./thrift.ts";

const FILE = "interface.ts";

/** Where the manager's status lines go: the daemon's status log, or glog's stderr in the shell. */
export interface ManagerLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  verbose(message: string): void;
}

/** The shell's: glog on stderr, warnings and up unless --verbose. */
const GLOG: ManagerLog = {
  info: (m) => logToStderr(INFO, FILE, 0, m),
  warning: (m) => logToStderr(WARNING, FILE, 0, m),
  error: (m) => logToStderr(ERROR, FILE, 0, m),
  verbose: (m) => verbose(FILE, m),
};

let log: ManagerLog = GLOG;

/** The oldest extension SDK whose API core still speaks. */
const MIN_SDK_VERSION = "1.7.7";

/** Registries an extension may broadcast into (osquery's registries). */
const KNOWN_REGISTRIES = new Set([
  "config",
  "database",
  "distributed",
  "enroll",
  "event_publisher",
  "event_subscriber",
  "killswitch",
  "logger",
  "numeric_monitoring",
  "sql",
  "table",
]);

/** osquery's versionAtLeast: dot-separated chunks compared as numbers ("0.0.0" passes). */
export function versionAtLeast(required: string, version: string): boolean {
  if (required === "0.0.0" || version === "0.0.0") return true;
  const want = required.split(".").filter(Boolean);
  const have = version.split(".").filter(Boolean);
  for (let i = 0; i < have.length; i++) {
    if (want.length <= i) return true;
    const a = parseInt(have[i]!, 10);
    const b = parseInt(want[i]!, 10);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (have[i]! < want[i]!) return false;
      continue;
    }
    if (a < b) return false;
    if (a > b) return true;
  }
  return true;
}

function ok(uuid = 0, message = "OK"): ExtensionStatus {
  return { code: ExtensionCode.SUCCESS, message, uuid };
}

function failed(message: string): ExtensionStatus {
  return { code: ExtensionCode.FAILED, message, uuid: 0 };
}

/** Plugins built into osq, which an extension may not shadow (tables are checked in the table registry). */
function builtinPlugin(registry: string, name: string): boolean {
  return runtime.plugins.get(registry)?.has(name) ?? false;
}

/** The table registry follows the extensions: tables come with their extension and go with it. */
addExtensionListener({
  added(ext) {
    for (const [name, route] of Object.entries(ext.registry["table"] ?? {})) {
      const parsed = parseTableRoute(route);
      if (typeof parsed === "string") continue;
      const call = async (item: string, request: StringMap) => (await callExtension(ext.uuid, "table", item, request)).response;
      const table = extensionTable(name, parsed, call);
      const attach =
        parsed.columns.length > 0
          ? undefined
          : async () => {
              try {
                const columns = parseTableRoute(await call(name, { action: "columns" }));
                return typeof columns === "string" ? null : extensionTable(name, columns, call);
              } catch (e) {
                log.verbose(`Cannot read the columns of extension table ${name}: ${errorMessage(e)}`);
                return null;
              }
            };
      registerExtensionTable(table, attach);
    }
  },
  removed(ext) {
    for (const name of Object.keys(ext.registry["table"] ?? {})) removeExtensionTable(name);
  },
});

/** Checks a broadcast as osquery's addBroadcast does: known registries, no plugin that already exists. */
async function checkBroadcast(registry: ExtensionRegistry): Promise<string | null> {
  for (const [reg, items] of Object.entries(registry)) {
    for (const name of Object.keys(items)) {
      const taken = reg === "table" ? await tableExists(name) : builtinPlugin(reg, name);
      if (taken || pluginOwner(reg, name)) return `Registry item ${name} conflicts with another item of the same name.`;
    }
  }
  for (const reg of Object.keys(registry)) {
    if (!KNOWN_REGISTRIES.has(reg)) return `Unknown registry: ${reg}`;
  }
  for (const [name, route] of Object.entries(registry["table"] ?? {})) {
    const parsed = parseTableRoute(route);
    if (typeof parsed === "string") return `Table ${name}: ${parsed}`;
  }
  return null;
}

/** A uuid no registered extension has: random, non-zero, within uint16. */
function newUuid(): number {
  for (;;) {
    const uuid = 1 + Math.floor(Math.random() * 0xffff);
    if (!extensionByUuid(uuid)) return uuid;
  }
}

function textOf(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** A type name for a result column as osquery's getQueryColumns gives it: declared, else from the value. */
function resultType(declared: string, value: unknown): string {
  const d = declared.toUpperCase();
  if (d) return d === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : d;
  if (typeof value === "bigint") return "INTEGER";
  if (typeof value === "number") return Number.isInteger(value) ? "INTEGER" : "DOUBLE";
  if (typeof value === "string") return "TEXT";
  if (value instanceof Uint8Array) return "BLOB";
  return "UNKNOWN";
}

/** Core's own table plugins, as an extension may call them: columns, or rows for a context. */
async function callCoreTable(item: string, request: StringMap): Promise<ExtensionResponse> {
  const { loadTablesNamed, lookupTable } = await import("../registry.ts");
  await loadTablesNamed([item]);
  const table = lookupTable(item);
  if (!table) return { status: failed(`Unknown registry plugin: ${item}`), response: [] };
  const action = request["action"];
  if (action === "columns") {
    const ops = (c: (typeof table.columns)[number]) =>
      String((c.index ? 1 : 0) | (c.required ? 2 : 0) | (c.additional ? 4 : 0) | (c.optimized ? 8 : 0) | (c.hidden ? 16 : 0));
    return {
      status: ok(),
      response: table.columns.map((c) => ({ id: "column", name: c.name, type: c.type === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : c.type, op: ops(c) })),
    };
  }
  if (action !== "generate") return { status: failed(`Unknown table plugin action: ${action ?? ""}`), response: [] };
  const constraints = new Map<string, Constraint[]>();
  try {
    const ctx = JSON.parse(request["context"] ?? "{}") as { constraints?: { name: string; list: { op: number; expr: string }[] }[] };
    for (const c of ctx.constraints ?? []) constraints.set(c.name, c.list.map((x) => ({ op: x.op as OpCode, expr: String(x.expr) })));
  } catch (e) {
    return { status: failed(`Cannot parse the context: ${errorMessage(e)}`), response: [] };
  }
  const rows: Row[] = await table.generate(new QueryContext(constraints, null));
  return { status: ok(), response: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, textOf(v)]))) };
}

export interface ManagerOptions {
  /** An extension asked core to shut down (osquery's requestShutdown(EXIT_SUCCESS)). */
  readonly onShutdown?: () => void;
  /** The daemon's status log; glog's stderr when not given. */
  readonly log?: ManagerLog;
}

/** The running manager: its socket and deregistration, for the shell, the daemon and the health loop. */
export class ExtensionManager {
  private constructor(
    readonly socket: string,
    private readonly server: ThriftServer,
  ) {}

  static async start(socket: string, opts: ManagerOptions = {}): Promise<ExtensionManager> {
    removeStalePaths(socket);
    const server = await serveThrift(socket, handlers(opts), { idleTimeoutMs: flags.num("thrift_timeout") * 1000 });
    return new ExtensionManager(socket, server);
  }

  /** Registered extensions with the socket each serves. */
  registered(): RegisteredExtension[] {
    return registeredExtensions();
  }

  /** Removes an extension, its tables and plugins; false when it was not registered. */
  deregister(uuid: number, why: string): boolean {
    const ext = removeExtension(uuid);
    if (!ext) return false;
    log.info(`Deregistering extension ${ext.name} (${uuid}): ${why}`);
    return true;
  }

  /** Stops listening; extensions stay registered until the process ends. */
  async close(): Promise<void> {
    await this.server.close();
    removeStalePaths(this.socket);
  }
}

/** Removes `<socket>` and `<socket>.*` left by an earlier run, as osquery does before and after serving. */
export function removeStalePaths(socket: string): void {
  const dir = dirname(socket);
  const base = basename(socket);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (e) {
    log.verbose(`Cannot list ${dir} for stale extension sockets: ${errorMessage(e)}`);
  }
  for (const name of names) {
    if (name !== base && !name.startsWith(`${base}.`)) continue;
    try {
      rmSync(join(dir, name), { force: true });
    } catch (e) {
      log.verbose(`Cannot remove the stale extension socket ${join(dir, name)}: ${errorMessage(e)}`);
    }
  }
}

let registering: Promise<unknown> = Promise.resolve();

/** osquery's registerExtension: the name, SDK and broadcast checks, then a fresh uuid. */
async function register(info: InternalExtensionInfo, registry: ExtensionRegistry): Promise<ExtensionStatus> {
  if (registeredExtensions().some((e) => e.name === info.name)) {
    log.error(`Refusing to register duplicate extension ${info.name}`);
    return failed("Duplicate extension registered");
  }
  if (!versionAtLeast(MIN_SDK_VERSION, info.sdk_version)) {
    log.warning(`Could not add extension ${info.name}: incompatible extension SDK ${info.sdk_version}, minimum required is ${MIN_SDK_VERSION}`);
    return failed("Incompatible extension SDK version");
  }
  const problem = await checkBroadcast(registry);
  if (problem) {
    log.error(`Could not add extension ${info.name}: ${problem}`);
    return failed(`Failed adding registry: ${problem}`);
  }
  const uuid = newUuid();
  log.info(`Registering extension (${info.name}, ${uuid}, version=${info.version}, sdk=${info.sdk_version})`);
  addExtension({
    uuid,
    name: info.name,
    version: info.version,
    sdkVersion: info.sdk_version,
    minSdkVersion: info.min_sdk_version,
    path: `${flags.get("extensions_socket")}.${uuid}`,
    registry,
    registeredAt: Date.now(),
  });
  return ok(uuid);
}

function handlers(opts: ManagerOptions): ManagerHandlers {
  return {
    ping: () => ok(0, "pong"),
    async call(registry, item, request) {
      // Core's plugins as an extension sees them: tables, and the extension plugins it routes to.
      if (registry === "table" && !pluginOwner("table", item)) return callCoreTable(item, request);
      const owner = pluginOwner(registry, item);
      if (!owner) return { status: failed(`Unknown registry plugin: ${item}`), response: [] };
      try {
        return await callExtension(owner.uuid, registry, item, request);
      } catch (e) {
        return { status: failed(errorMessage(e)), response: [] };
      }
    },
    shutdown() {
      log.verbose("An extension requested shutdown");
      opts.onShutdown?.();
    },
    extensions() {
      const out = new Map<number, InternalExtensionInfo>();
      for (const e of registeredExtensions()) {
        out.set(e.uuid, { name: e.name, version: e.version, sdk_version: e.sdkVersion, min_sdk_version: e.minSdkVersion });
      }
      return out;
    },
    options() {
      const out: Record<string, InternalOptionInfo> = {};
      for (const spec of FLAGS) out[spec.name] = { value: flags.get(spec.name), default_value: spec.defaultValue, type: spec.type };
      return out;
    },
    registerExtension(info, registry) {
      // One registration at a time: the checks await the table registry, and
      // two extensions broadcasting one name at once must not both pass them.
      const next = registering.then(() => register(info, registry));
      registering = next.catch((e: unknown) => log.verbose(`A registration failed: ${errorMessage(e)}`));
      return next;
    },
    deregisterExtension(uuid) {
      if (!removeExtension(uuid)) return failed("No extension UUID found");
      return ok(0);
    },
    async query(sql) {
      const { runQuery } = await import("../sql/engine.ts");
      try {
        const r = await runQuery(sql);
        const names = r.columns.map((c) => c.name);
        return { status: ok(0), response: r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, textOf(row[i])]))) };
      } catch (e) {
        return { status: failed(errorMessage(e)), response: [] };
      }
    },
    async getQueryColumns(sql) {
      const { runQuery } = await import("../sql/engine.ts");
      try {
        // As osquery only prepares the statement, no table is generated when
        // every column has a declared type; an expression's type needs a row.
        const shape = await runQuery(sql, { columnsOnly: true });
        const r = shape.columns.every((c) => c.type !== "") ? shape : await runQuery(sql);
        return { status: ok(0), response: r.columns.map((c, i) => ({ [c.name]: resultType(c.type, r.rows[0]?.[i]) })) };
      } catch (e) {
        return { status: failed(errorMessage(e)), response: [] };
      }
    },
  };
}

let managed = 0;

/** Autoload tells how many extensions it starts: only then does core wait for their plugins (Watcher::hasManagedExtensions). */
export function setManagedExtensions(count: number): void {
  managed = count;
}

/** The wait of osquery's applyExtensionDelay: extensions_timeout seconds, at least 200 ms, polled every 20 ms. */
async function applyExtensionDelay(predicate: () => boolean | Promise<boolean>, mayWait: () => boolean): Promise<boolean> {
  const timeoutMs = Math.max(200, (parseInt(flags.get("extensions_timeout"), 10) || 0) * 1000);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (!mayWait() || Date.now() >= deadline) return false;
    await Bun.sleep(20);
  }
}

/** Whether the extension serves its socket: it registers first and binds `<em>.<uuid>` after the reply. */
async function answersPing(ext: RegisteredExtension): Promise<boolean> {
  const { connectExtensionClient } = await import("./thrift.ts");
  try {
    const c = await connectExtensionClient(ext.path, { timeoutMs: 10_000 });
    try {
      return (await c.ping()).code !== ExtensionCode.FAILED;
    } finally {
      c.close();
    }
  } catch (e) {
    log.verbose(`Extension ${ext.name} (${ext.uuid}) does not answer yet: ${errorMessage(e)}`);
    return false;
  }
}

/**
 * osquery's extensions_require: waits for each named extension to register
 * and answer a ping. Returns the warning osquery logs for the first missing
 * one, or null when all are there.
 */
export async function waitForRequiredExtensions(): Promise<string | null> {
  const names = flags.get("extensions_require").split(",").map((s) => s.trim()).filter(Boolean);
  let waited = false;
  for (const name of names) {
    const found = await applyExtensionDelay(
      async () => {
        const ext = registeredExtensions().find((e) => e.name === name);
        return ext !== undefined && (await answersPing(ext));
      },
      // Once one required extension used up the timeout, the others get no wait of their own.
      () => !waited,
    );
    waited = true;
    if (!found) return `Required extension not found or not loaded: ${name}`;
  }
  return null;
}

/**
 * osquery's initActivePlugin wait: true once an extension has broadcast
 * `registry`/`name` and its socket answers a ping (osquery's setActive pings
 * the owner); waits only while autoloaded extensions may still bring it.
 */
export function awaitExtensionPlugin(registry: string, name: string): Promise<boolean> {
  return applyExtensionDelay(
    async () => {
      const owner = pluginOwner(registry, name);
      return owner !== undefined && (await answersPing(owner));
    },
    () => managed > 0,
  );
}

/**
 * Starts the manager unless --disable_extensions. A socket that cannot be
 * served is logged (osquery: "Extensions disabled: cannot start extension
 * manager") and core runs on without extensions.
 */
export async function startExtensionManager(opts: ManagerOptions = {}): Promise<ExtensionManager | null> {
  if (flags.bool("disable_extensions")) return null;
  log = opts.log ?? GLOG;
  const socket = flags.get("extensions_socket");
  if (!existsSync(dirname(socket))) {
    // osquery's error. At the default path it is a verbose line: a daemon given
    // its own --database_path has no /var/osquery, and osq does not create it.
    const message = `An error occurred during extension manager startup: Extension socket directory missing: ${socket}`;
    if (flags.isSet("extensions_socket")) log.error(message);
    else log.verbose(message);
    return null;
  }
  try {
    const manager = await ExtensionManager.start(socket, opts);
    runtime.extensionsActive = true;
    return manager;
  } catch (e) {
    log.warning(`Extensions disabled: cannot start extension manager (${socket}) (${errorMessage(e)})`);
    return null;
  }
}

/**
 * The shell's manager. A shell that runs a query and exits (SQL in argv or
 * stdin, -A, --pack, -L, --profile) starts none unless --disable_extensions
 * was given explicitly or an extension is loaded, as osquery's shell does. The
 * default socket is ~/.osquery/shell.em, with a random number appended when
 * another shell serves it.
 */
export async function startShellExtensionManager(quick: boolean): Promise<ExtensionManager | null> {
  if (flags.bool("disable_extensions")) return null;
  if (quick && !flags.isSet("disable_extensions") && flags.get("extension") === "" && managed === 0) return null;
  if (!flags.isSet("extensions_socket")) {
    const { homedir } = await import("node:os");
    const { mkdirSync } = await import("node:fs");
    const home = join(homedir(), ".osquery");
    try {
      mkdirSync(home, { recursive: true });
    } catch (e) {
      log.verbose(`Cannot create ${home}: ${errorMessage(e)}`);
      return null;
    }
    let socket = join(home, "shell.em");
    if (await socketAnswers(socket)) socket += String(Math.floor(Math.random() * 0x10000));
    flags.force("extensions_socket", socket);
  }
  return startExtensionManager();
}

/** Whether something accepts connections on `path` (another shell's manager). */
async function socketAnswers(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const { connectExtensionClient } = await import("./thrift.ts");
  try {
    (await connectExtensionClient(path, { timeoutMs: 1000 })).close();
    return true;
  } catch (e) {
    log.verbose(`${path} is a stale socket: ${errorMessage(e)}`);
    return false;
  }
}
