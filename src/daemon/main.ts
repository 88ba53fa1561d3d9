// The daemon role (osqueryd). Start-up follows osquery's order: flags; the
// --config_check / --config_dump shortcuts; the pidfile and the database; the
// config (its options may change logger settings); the logger plugins, which
// receive the status lines buffered so far; then the scheduler until SIGTERM,
// SIGINT or --schedule_timeout. SIGHUP and --config_refresh re-read the config.
// With --disable_distributed=false the live-query loop runs beside the
// scheduler, through the one remote session the TLS plugins share.
//
// With the watchdog on, this runs as the worker (src/watchdog/), under a
// watcher that holds the pidfile; with --disable_watchdog it runs alone.
import { mkdirSync, statSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { flags, noEffectNotes, parseCommandLine } from "../flags/flags.ts";
import { runtime } from "../runtime.ts";
import { OSQUERY_VERSION } from "../version.ts";
import { checkViews, flagLimits, runQuery } from "../sql/engine.ts";
import { status } from "../logger/status.ts";
import { err, ok, type Result } from "../result.ts";
import { MemoryStore, openStore, type Store } from "../store/store.ts";
import { preparedQueries } from "../sql/analysis-cache.ts";
import { preparedStoreOf } from "./prepared-store.ts";
import { tryLock, type HeldLock } from "../store/lock.ts";
import { takePidfile } from "./pidfile.ts";
import { dieWithWatcher, resourceLimitHitAfterQuery, superviseWorker, watcherPid } from "../watchdog/worker.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";
import type { ConfigPlugin } from "../../plugins/config/plugin.ts";
import { TlsConfigPlugin } from "../../plugins/config/tls.ts";
import { openRemoteSession, tlsSession } from "../remote/remote.ts";
import type { RemoteSession } from "../remote/session.ts";
import { FilesystemLoggerPlugin, parseLoggerMode } from "../../plugins/logger/filesystem.ts";
import { StdoutLoggerPlugin } from "../../plugins/logger/stdout.ts";
import { TlsLoggerPlugin } from "../../plugins/logger/tls.ts";
import { SyslogLoggerPlugin } from "../../plugins/logger/syslog.ts";
import { AwsLoggerPlugin, FIREHOSE, KINESIS, type StreamService } from "../../plugins/logger/aws.ts";
import { AwsClient, awsSettingsFromFlags } from "../aws/client.ts";
import { resolveRegion, serviceEndpoint } from "../aws/region.ts";
import type { LoggerPlugin } from "../../plugins/logger/plugin.ts";
import { TlsDistributedPlugin } from "../../plugins/distributed/tls.ts";
import type { DistributedPlugin } from "../../plugins/distributed/plugin.ts";
import { DistributedRunner } from "./distributed.ts";
import { Config } from "./config.ts";
import { applyAutoTables } from "./auto_tables.ts";
import { Daemon } from "./daemon.ts";
import { daemonize } from "./daemonize.ts";
import { SchedulerLoop, systemClock } from "./scheduler.ts";
import { EXIT_CATASTROPHIC, EXIT_FAILURE, EXIT_SUCCESS, runShortcut, serviceShortcut } from "../shortcuts.ts";
import { INFO as INFO_SEVERITY, errorMessage, setStderrThreshold } from "../logger/glog.ts";
import { keepRunning } from "../logger/last-resort.ts";
import { applyPrometheusTargets } from "../../tables/apps/prometheus_metrics.ts";
import { applyYaraConfig, setYaraNodeKeySource } from "../yara/config.ts";
import { useCarveStore } from "../remote/carves.ts";
import { eventFactory } from "../events/factory.ts";
import { useEventsStore } from "../events/store.ts";
import { applyScheduleToEvents, eventsConfigOf, pathsFromQueries, type PathQueryEnv } from "./events.ts";
import { Carver } from "../remote/carver.ts";
import { startExtensionManager, type ExtensionManager } from "../extensions/manager.ts";
import { ExtensionHost } from "../extensions/host.ts";

const BINARY = "osqueryd";
const FILE = "init.ts";
const INSTANCE_KEY = "instance_uuid_v1";

function configureStatus(): void {
  status.configure({
    minStatus: flags.num("logger_min_status"),
    minStderr: flags.num("logger_min_stderr"),
    stderr: flags.bool("logger_stderr"),
    verbose: flags.bool("verbose"),
  });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The plugin --config_plugin names; `store` is the daemon's once open (an in-memory one before, for the shortcuts). */
function configPlugin(store: () => Store): ConfigPlugin | null {
  const name = flags.get("config_plugin");
  if (name === "tls") {
    return new TlsConfigPlugin({
      endpoint: () => flags.get("config_tls_endpoint"),
      attempts: () => flags.num("config_tls_max_attempts"),
      request: (endpoint, body, attempts, get) => openRemoteSession(store()).request(endpoint, body, { attempts, get }),
      nodeApi: () => flags.bool("tls_node_api"),
      enrollAlways: () => flags.bool("enroll_always") && !flags.bool("disable_enrollment"),
      clearNodeKey: () => tlsSession(store()).enrollment.clear(),
    });
  }
  if (name !== "filesystem") return null;
  return new FilesystemConfigPlugin(
    () => flags.get("config_path"),
    (m) => status.warning("filesystem.ts", m),
  );
}

/** The carver, or null with --disable_carver; it uploads through the one remote session. */
function carver(store: Store): Carver | null {
  if (flags.bool("disable_carver")) return null;
  return new Carver({
    store,
    session: openRemoteSession(store),
    settings: () => ({
      startEndpoint: flags.get("carver_start_endpoint"),
      continueEndpoint: flags.get("carver_continue_endpoint"),
      blockSize: flags.num("carver_block_size"),
      compression: flags.bool("carver_compression"),
      expiry: flags.num("carver_expiry"),
      readMax: flags.num("read_max"),
      tempDir: tmpdir(),
    }),
    log: { warning: (m) => status.warning("carver.ts", m), verbose: (m) => status.verbose("carver.ts", m) },
    now: nowSeconds,
  });
}

/** The store and the lock that keeps a second daemon off it. */
async function openDatabase(): Promise<{ store: Store; lock: HeldLock | null } | string> {
  const ephemeral = flags.bool("ephemeral") && !flags.isSet("database_path");
  if (ephemeral || flags.bool("disable_database")) return { store: new MemoryStore(), lock: null };
  const path = flags.get("database_path");
  let store: Store;
  try {
    mkdirSync(dirname(path), { recursive: true });
    store = await openStore(path);
  } catch (e) {
    return `Cannot open the database at ${path}: ${(e as Error).message}`;
  }
  // LMDB itself lets several processes share an environment; osquery's
  // database does not, so the data file is locked for this daemon's lifetime.
  let dataFile = path;
  try {
    if (statSync(path).isDirectory()) dataFile = join(path, "data.mdb");
  } catch {
    // openStore just created it
  }
  const lock = tryLock(dataFile);
  if (typeof lock === "string") {
    await store.close();
    return lock === "Busy"
      ? `The database at ${path} is in use by another ${BINARY} process`
      : `Cannot lock the database at ${path}: ${lock}`;
  }
  return { store, lock };
}

async function instanceId(store: Store): Promise<string> {
  const stored = store.get("configurations", INSTANCE_KEY);
  if (stored) return stored;
  const id = crypto.randomUUID();
  // Unsaved (a full disk at start), the id lasts this run; the next start draws and saves another.
  await store
    .write((w) => w.put("configurations", INSTANCE_KEY, id))
    .catch((e: unknown) => status.warning(FILE, `Cannot save the instance id: ${errorMessage(e)}`));
  return id;
}

/** The tls logger, reading its flags at each use so config options apply. */
function tlsLogger(store: Store, daemon: () => Daemon | null): TlsLoggerPlugin {
  return new TlsLoggerPlugin({
    // openRemoteSession keeps one session per store: every TLS plugin shares one node key and enrollment.
    session: openRemoteSession(store),
    store,
    clock: systemClock(),
    settings: () => ({
      endpoint: flags.get("logger_tls_endpoint"),
      periodSeconds: Math.max(1, flags.num("logger_tls_period")),
      maxLines: flags.num("logger_tls_max_lines"),
      maxLineSize: flags.num("logger_tls_max_linesize"),
      backoffMaxSeconds: flags.num("logger_tls_backoff_max"),
      compress: flags.bool("logger_tls_compress"),
      bufferedLogMax: flags.num("buffered_log_max"),
      disableStatusLog: flags.bool("tls_disable_status_log"),
      decorationsTopLevel: flags.bool("decorations_top_level"),
    }),
    log: {
      info: (m) => status.info("tls.ts", m),
      warning: (m) => status.warning("tls.ts", m),
      verbose: (m) => status.verbose("tls.ts", m),
    },
    hostIdentifier: () => daemon()?.hostIdentifier() ?? hostname(),
    decorations: () => (flags.bool("disable_decorators") ? new Map<string, string>() : (daemon()?.decorators.current() ?? new Map<string, string>())),
  });
}

/** An AWS stream logger (aws_kinesis, aws_firehose), reading its flags at each use so config options apply. */
function awsLogger(service: StreamService, store: Store, daemon: () => Daemon | null): AwsLoggerPlugin {
  const flag = (suffix: string) => `${service.name}_${suffix}`;
  const file = `${service.name}.ts`;
  const log = {
    info: (m: string) => status.info(file, m),
    warning: (m: string) => status.warning(file, m),
    error: (m: string) => status.error(file, m),
    verbose: (m: string) => status.verbose(file, m),
  };
  const client = new AwsClient(() => awsSettingsFromFlags(), log);
  return new AwsLoggerPlugin({
    service,
    store,
    clock: systemClock(),
    settings: () => ({
      stream: flags.get(flag("stream")),
      periodSeconds: flags.num(flag("period")),
      sendStatus: service !== KINESIS || !flags.bool("aws_kinesis_disable_log_status"),
      randomPartitionKey: service === KINESIS && flags.bool("aws_kinesis_random_partition_key"),
      bufferedLogMax: flags.num("buffered_log_max"),
      decorationsTopLevel: flags.bool("decorations_top_level"),
    }),
    sink: {
      resolve: () => {
        const s = awsSettingsFromFlags();
        const endpoint = flags.get(flag("endpoint"));
        // osquery checks the region against its list only when no endpoint override names the server.
        const region = resolveRegion(flags.get(flag("region")), endpoint === "", s, log.verbose);
        if (!region.ok) return region;
        const url = serviceEndpoint(service.service, region.value, endpoint, s.enforceFips);
        return url.ok ? ok({ region: region.value, url: url.value }) : url;
      },
      call: (region, url, target, body) => client.callJson(service.service, region, url, target, body),
    },
    log,
    hostIdentifier: () => daemon()?.hostIdentifier() ?? hostname(),
    decorations: () => (flags.bool("disable_decorators") ? new Map<string, string>() : (daemon()?.decorators.current() ?? new Map<string, string>())),
  });
}

/** The names --logger_plugin lists. */
function loggerNames(): string[] {
  return flags.get("logger_plugin").split(",").map((s) => s.trim()).filter(Boolean);
}

const BUILTIN_LOGGERS = new Set(["filesystem", "stdout", "tls", "syslog", "aws_kinesis", "aws_firehose"]);

function loggerPlugins(store: Store, daemon: () => Daemon | null, fromExtensions: ReadonlyMap<string, LoggerPlugin>): LoggerPlugin[] | string {
  const plugins: LoggerPlugin[] = [];
  for (const name of loggerNames()) {
    const ext = fromExtensions.get(name);
    if (ext) {
      plugins.push(ext);
    } else if (name === "filesystem") {
      const mode = parseLoggerMode(flags.get("logger_mode"));
      if (mode === null) return "The logger_mode flag does not contain a valid UNIX permission";
      plugins.push(
        new FilesystemLoggerPlugin(
          () => ({
            path: flags.get("logger_path"),
            mode,
            rotate: flags.bool("logger_rotate"),
            rotateSize: flags.num("logger_rotate_size"),
            rotateMaxFiles: flags.num("logger_rotate_max_files"),
          }),
          status,
        ),
      );
    } else if (name === "stdout") {
      plugins.push(new StdoutLoggerPlugin(status));
    } else if (name === "tls") {
      plugins.push(tlsLogger(store, daemon));
    } else if (name === "aws_kinesis") {
      plugins.push(awsLogger(KINESIS, store, daemon));
    } else if (name === "aws_firehose") {
      plugins.push(awsLogger(FIREHOSE, store, daemon));
    } else if (name === "syslog") {
      plugins.push(new SyslogLoggerPlugin(() => ({ facility: flags.num("logger_syslog_facility"), prependCee: flags.bool("logger_syslog_prepend_cee") })));
    } else {
      return `Cannot activate ${name} logger plugin: Unknown registry plugin: ${name}`;
    }
  }
  return plugins;
}

/** The live-query plugin, null when distributed queries are off, or why it cannot start. */
async function distributedPlugin(remote: () => RemoteSession, manager: ExtensionManager | null): Promise<DistributedPlugin | null | string> {
  if (flags.bool("disable_distributed")) return null;
  const name = flags.get("distributed_plugin");
  if (name !== "tls" && manager) {
    const { extensionDistributedPlugin } = await import("../extensions/activate.ts");
    const plugin = await extensionDistributedPlugin(name);
    if (plugin) return plugin;
  }
  if (name !== "tls") return `Cannot activate ${name} distributed plugin: Unknown registry plugin: ${name}`;
  return new TlsDistributedPlugin(remote(), () => ({
    readEndpoint: flags.get("distributed_tls_read_endpoint"),
    writeEndpoint: flags.get("distributed_tls_write_endpoint"),
    maxAttempts: flags.num("distributed_tls_max_attempts"),
  }));
}

/** The database --database_dump reads: no lock, since LMDB lets a running daemon's store be read alongside it. */
async function openDumpedStore(): Promise<Result<Store | null, string>> {
  if ((flags.bool("ephemeral") && !flags.isSet("database_path")) || flags.bool("disable_database")) return ok(null);
  const path = flags.get("database_path");
  try {
    return ok(await openStore(path));
  } catch (e) {
    return err(`Cannot open the database at ${path}: ${(e as Error).message}`);
  }
}

function newConfig(plugin: ConfigPlugin, store: Store, daemon: Daemon | null): Config {
  return new Config({
    plugin,
    store,
    hostname: hostname(),
    version: OSQUERY_VERSION,
    now: nowSeconds,
    log: {
      info: (m) => status.info("config.ts", m),
      warn: (m) => status.warning("config.ts", m),
      error: (m) => status.error("config.ts", m),
      verbose: (m) => status.verbose("config.ts", m),
    },
    returnsRows: async (sql) => {
      try {
        return (await runQuery(sql, { limits: flagLimits() })).rows.length > 0;
      } catch (e) {
        status.warning("packs.ts", `Discovery query failed (${sql}): ${(e as Error).message}`);
        return false;
      }
    },
    onDecorators: async (source, spec) => {
      if (!daemon) return;
      if (spec) await daemon.decorators.update(source, spec);
      else daemon.decorators.remove(source);
    },
    onOptions: () => configureStatus(),
  });
}

export async function runDaemon(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args);
  if ("error" in parsed) {
    process.stderr.write(`ERROR: ${parsed.error}\n`);
    return EXIT_FAILURE;
  }
  configureStatus();
  keepRunning((message) => status.error(FILE, message));
  // Tables report what they could not read through glog's VLOG, shown with --verbose.
  if (flags.bool("verbose")) setStderrThreshold(INFO_SEVERITY);
  for (const note of noEffectNotes()) status.verbose(FILE, note);
  const service = serviceShortcut({ info: (m) => status.info(FILE, m), error: (m) => status.error(FILE, m) });
  if (service !== null) return service;
  let remoteStore: Store = new MemoryStore();
  let plugin = configPlugin(() => remoteStore);

  const shortcut = await runShortcut({
    plugin,
    loadConfig: (p) => newConfig(p, new MemoryStore(), null).refresh(),
    openStore: () => openDumpedStore(),
    error: (m) => status.error(FILE, m),
  });
  if (shortcut !== null) return shortcut;

  if (flags.bool("daemonize")) {
    const error = daemonize(args);
    if (error) {
      process.stderr.write(`Cannot daemonize: ${error}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
  }

  const worker = watcherPid();
  if (worker !== null && !dieWithWatcher(worker)) {
    status.info(FILE, `osqueryd worker (${process.pid}) detected killed watcher (${worker})`);
    return EXIT_SUCCESS;
  }
  let pidfile: HeldLock | null = null;
  if (!flags.bool("ephemeral") && worker === null) {
    const taken = await takePidfile(BINARY);
    if (typeof taken === "string") {
      status.error(FILE, taken);
      return EXIT_FAILURE;
    }
    pidfile = taken;
  }
  const opened = await openDatabase();
  if (typeof opened === "string") {
    status.error(FILE, opened);
    pidfile?.release(true);
    return EXIT_CATASTROPHIC;
  }
  const { store, lock: dbLock } = opened;
  remoteStore = store;
  runtime.instanceId = await instanceId(store);
  runtime.databasePlugin = store.path ? "lmdb" : "ephemeral";
  // The carves table and carve() record requests in the daemon's store.
  useCarveStore(store);
  // Subscribers store their rows in it; scheduled queries read only the rows new to them.
  useEventsStore(store);
  // A restarted worker runs its known queries without loading the SQL parser.
  preparedQueries.persistTo(preparedStoreOf(store, (m) => status.verbose(FILE, m)));

  let daemon: Daemon | null = null;
  // The extension manager comes up before the plugins are chosen, as in osquery:
  // an extension's config, logger or distributed plugin may be the one named.
  let requestStop = () => {};
  // Without a watcher this process starts the autoloaded extensions itself, as osquery's thread does.
  const extensionHost = ExtensionHost.prepare(worker === null, {
    info: (m) => status.info("extensions.ts", m),
    warning: (m) => status.warning("extensions.ts", m),
    error: (m) => status.error("extensions.ts", m),
    verbose: (m) => status.verbose("extensions.ts", m),
  });
  const manager = await startExtensionManager({
    onShutdown: () => requestStop(),
    log: {
      info: (m) => status.info("interface.ts", m),
      warning: (m) => status.warning("interface.ts", m),
      error: (m) => status.error("interface.ts", m),
      verbose: (m) => status.verbose("interface.ts", m),
    },
  });
  let extensionLoggers = new Map<string, LoggerPlugin>();
  const missingExtension = await extensionHost.start(manager);
  if (manager && !missingExtension) {
    const activate = await import("../extensions/activate.ts");
    if (!plugin) plugin = await activate.extensionConfigPlugin(flags.get("config_plugin"));
    if (!flags.bool("disable_logging")) {
      const names = loggerNames().filter((n) => !BUILTIN_LOGGERS.has(n));
      extensionLoggers = await activate.extensionLoggerPlugins(names, () => daemon?.hostIdentifier() ?? hostname());
    }
  }
  const loggers = flags.bool("disable_logging") ? [] : loggerPlugins(store, () => daemon, extensionLoggers);
  const shutdown = async (code: number): Promise<number> => {
    status.detach();
    await extensionHost.stop();
    await manager?.close();
    // Before the store closes: capture and a plugin's loop may still be about to write to it.
    await eventFactory.stop();
    if (Array.isArray(loggers)) await Promise.all(loggers.map((l) => l.stop?.()));
    await store.close().catch((e: unknown) => status.verbose(FILE, `Closing the database failed: ${errorMessage(e)}`));
    dbLock?.release(false);
    pidfile?.release(true);
    return code;
  };
  // A required extension that never registered ends the daemon (the watcher passes 78 on).
  if (missingExtension) return shutdown(EXIT_CATASTROPHIC);
  if (typeof loggers === "string") {
    status.error(FILE, loggers);
    return shutdown(EXIT_CATASTROPHIC);
  }

  daemon = new Daemon({
    store,
    loggers,
    status,
    runQuery: (sql, views, limits) => runQuery(sql, { views, limits }),
    now: nowSeconds,
  });
  const config = plugin ? newConfig(plugin, store, daemon) : null;
  daemon.config = config;
  const pathQueries: PathQueryEnv = {
    runQuery: (sql) => runQuery(sql, { views: config?.views() ?? new Map<string, string>() }),
    error: (m) => status.error("file_paths.ts", m),
  };
  const loadConfig = async (initial: boolean): Promise<boolean> => {
    const before = runtime.configHash;
    let error: string | null;
    try {
      error = config ? await config.refresh() : `Missing config plugin ${flags.get("config_plugin")}`;
    } catch (e) {
      error = errorMessage(e);
    }
    // A first load that fell back to the backup runs its schedule, but the config is not valid.
    runtime.configValid = (config?.valid ?? false) && !(initial && error);
    runtime.configHash = config?.hash() ?? "";
    if (error) {
      // At start osquery keeps running without a schedule; on reload the last good config stays.
      if (initial) status.warning(FILE, `Error reading config: ${error}`);
      else status.warning(FILE, `Error reading config, keeping the last good config: ${error}`);
      return false;
    }
    // osquery creates the views when a config is applied and logs the ones SQLite refuses.
    if (config && (initial || runtime.configHash !== before)) {
      for (const e of checkViews(config.views())) status.info("views.ts", e);
    }
    if (config) {
      applyPrometheusTargets(config.section("prometheus_targets"));
      applyYaraConfig(config.section("yara"));
      applyAutoTables(config.section("auto_table_construction"), {
        info: (m) => status.info("auto_tables.ts", m),
        warn: (m) => status.warning("auto_tables.ts", m),
        verbose: (m) => status.verbose("auto_tables.ts", m),
      });
    }
    // osquery reconfigures its publishers when any source changed.
    if (!initial && runtime.configHash !== before) await eventFactory.configure(eventsConfigOf(config, await pathsFromQueries(config, pathQueries)));
    if (config && (initial || runtime.configHash !== before)) {
      applyScheduleToEvents(await config.scheduledQueries().catch((e: unknown) => {
        status.verbose(FILE, `Cannot read the schedule for the events' expiry: ${errorMessage(e)}`);
        return [];
      }));
    }
    return true;
  };
  await config?.restoreDenylist();
  await loadConfig(true);
  await eventFactory.start(eventsConfigOf(config, await pathsFromQueries(config, pathQueries)), {
    info: (m) => status.info("events.ts", m),
    warning: (m) => status.warning("events.ts", m),
    error: (m) => status.error("events.ts", m),
    verbose: (m) => status.verbose("events.ts", m),
  });

  // Logging starts after the config, whose options may set logger_path and friends.
  for (const l of loggers) {
    const setUpError = l.setUp();
    if (setUpError) {
      status.error(FILE, `Cannot activate ${l.name} logger plugin: ${setUpError}`);
      return shutdown(EXIT_CATASTROPHIC);
    }
  }
  for (const l of loggers) l.init(BINARY, []);
  status.attach(loggers.map((l) => (lines) => l.logStatus(lines)));

  // yara's sigurl requests carry the node key of the one TLS session (--yara_sigurl_authenticate).
  setYaraNodeKeySource(() => tlsSession(store).enrollment.nodeKey());

  // Set up after the config, whose options may turn distributed queries on.
  const distributed = await distributedPlugin(() => openRemoteSession(store), manager);
  if (typeof distributed === "string") {
    status.error(FILE, distributed);
    return shutdown(EXIT_CATASTROPHIC);
  }
  daemon.publishTables();
  status.info(FILE, `osquery initialized [version=${OSQUERY_VERSION}]`);
  const carves = carver(store);

  const liveQueries = distributed
    ? new DistributedRunner({
        plugin: distributed,
        store,
        clock: systemClock(),
        log: {
          info: (m) => status.info("distributed.ts", m),
          warning: (m) => status.warning("distributed.ts", m),
          error: (m) => status.error("distributed.ts", m),
          verbose: (m) => status.verbose("distributed.ts", m),
        },
        runQuery: (sql) => runQuery(sql, { views: config?.views() ?? new Map<string, string>(), limits: flagLimits() }),
        settings: () => ({ interval: flags.num("distributed_interval"), denylistDuration: flags.num("distributed_denylist_duration") }),
        resourceLimitHit: worker === null ? undefined : resourceLimitHitAfterQuery,
      })
    : null;
  // run() never rejects: each check-in turns its failures into status lines.
  const liveQueriesDone = liveQueries?.run() ?? Promise.resolve();

  // Config refresh: every config_refresh seconds, config_accelerated_refresh after a failure.
  // Reloads run one at a time; loadConfig never rejects, so one failed reload
  // cannot leave the chain rejected and block every later one.
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;
  let refreshing: Promise<boolean> = Promise.resolve(true);
  const refresh = (): Promise<boolean> => {
    refreshing = refreshing.then(() => loadConfig(false));
    return refreshing;
  };
  const scheduleRefresh = (ok: boolean) => {
    const normal = flags.num("config_refresh");
    if (normal <= 0) return;
    const seconds = ok ? normal : flags.num("config_accelerated_refresh") || normal;
    refreshTimer = setTimeout(async () => scheduleRefresh(await refresh()), seconds * 1000);
  };
  scheduleRefresh(true);

  const loop = new SchedulerLoop(systemClock(), { timeout: flags.num("schedule_timeout"), maxDrift: () => flags.num("schedule_max_drift") }, async (i) => {
    try {
      await daemon.tick(i);
    } catch (e) {
      status.error(FILE, `Scheduler tick failed: ${errorMessage(e)}`);
    }
    // osquery starts pending carves every 60 ticks; a carve runs beside the schedule, not in its tick.
    if (i % 60 === 0) carves?.schedule();
  });
  let exitCode = EXIT_SUCCESS;
  const onStop = () => {
    loop.stop();
    liveQueries?.stop();
    // An in-flight query gets alarm_timeout seconds (at least 10) to finish; then it is abandoned.
    const seconds = Math.max(10, flags.num("alarm_timeout"));
    setTimeout(() => {
      status.error(FILE, `Shutdown did not finish within ${seconds} seconds: exiting`);
      dbLock?.release(false);
      pidfile?.release(true);
      process.exit(EXIT_FAILURE);
    }, seconds * 1000).unref();
  };
  // refresh() never rejects (loadConfig turns every failure into a status line).
  const onHup = () => void refresh();
  requestStop = onStop;
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);
  const endSupervision = worker === null ? null : superviseWorker(worker, onStop);
  try {
    const end = await loop.run();
    if (end === "timeout") status.info(FILE, `The scheduler ended after ${flags.num("schedule_timeout")} seconds`);
  } catch (e) {
    status.error(FILE, `Scheduler failed: ${errorMessage(e)}`);
    exitCode = EXIT_CATASTROPHIC;
  }
  if (refreshTimer) clearTimeout(refreshTimer);
  liveQueries?.stop();
  await liveQueriesDone;
  await carves?.stop();
  await refreshing;
  process.off("SIGTERM", onStop);
  process.off("SIGINT", onStop);
  process.off("SIGHUP", onHup);
  endSupervision?.();
  return shutdown(exitCode);
}
