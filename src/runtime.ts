// Facts about this running osq process that tables such as osquery_info and
// osquery_registry report; the daemon fills in what it learns at run time.
import { readText } from "./linux/proc.ts";

export interface Runtime {
  startTime: number;
  instanceId: string;
  configHash: string;
  configValid: boolean;
  /** Pid of the watchdog's watcher, or -1 when this process has none. */
  watcherPid: number;
  /** Set when the watcher stopped this worker for a resource limit: the running query stays recorded. */
  resourceLimitHit: boolean;
  extensionsActive: boolean;
  /** The database plugin in use: "lmdb" once a store on disk is open, else "ephemeral". */
  databasePlugin: "ephemeral" | "lmdb";
  /** Plugins registered besides tables: registry name → plugin names. */
  readonly plugins: Map<string, Set<string>>;
}

// crypto.randomUUID is the built-in Web Crypto one: importing node:crypto for it
// cost every osqueryi start 2-3 ms (it loads Node's stream classes).
export const runtime: Runtime = {
  startTime: Math.floor(Date.now() / 1000),
  instanceId: crypto.randomUUID(),
  configHash: "",
  configValid: false,
  watcherPid: -1,
  resourceLimitHit: false,
  extensionsActive: false,
  databasePlugin: "ephemeral",
  // Only plugins that --config_plugin / --logger_plugin / --distributed_plugin can activate: osquery
  // lists what is registered, and a listed plugin that fails to start misleads.
  plugins: new Map([
    ["config", new Set(["filesystem", "tls"])],
    ["logger", new Set(["aws_firehose", "aws_kinesis", "filesystem", "stdout", "syslog", "tls"])],
    ["distributed", new Set(["tls"])],
    ["database", new Set(["ephemeral", "lmdb"])],
    ["sql", new Set(["sql"])],
  ]),
};

/** The host UUID osquery reports: DMI product_uuid, else /etc/machine-id as a UUID. */
export function hostUuid(): string {
  const dmi = readText("/sys/class/dmi/id/product_uuid")?.trim();
  if (dmi && /^[0-9a-f-]{36}$/i.test(dmi)) return dmi.toUpperCase();
  const id = (readText("/etc/machine-id") ?? readText("/var/lib/dbus/machine-id"))?.trim();
  if (id && /^[0-9a-f]{32}$/i.test(id)) {
    return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`.toUpperCase();
  }
  return "";
}
