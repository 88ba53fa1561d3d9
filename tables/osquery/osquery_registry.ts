import { defineTable, type Row } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { runtime } from "../../src/runtime.ts";
import { registeredTables } from "../../src/table-list.ts";
import { extensionPlugins } from "../../src/extensions/plugins.ts";

/** The flag that picks the active plugin of each registry. */
const ACTIVE_FLAG: Record<string, string> = {
  config: "config_plugin",
  logger: "logger_plugin",
  distributed: "distributed_plugin",
};

/**
 * Plugins osquery registers with REGISTER_INTERNAL (they are not broadcast to
 * extensions): every database plugin (lmdb stands where rocksdb does) and the
 * sql plugin. Utility tables are internal too (tools/codegen/templates/default.cpp.in).
 */
const INTERNAL: Record<string, ReadonlySet<string>> = {
  database: new Set(["ephemeral", "lmdb"]),
  sql: new Set(["sql"]),
};

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isActive(registry: string, name: string): boolean {
  // osquery/tables/utility/osquery.cpp: these switches deactivate whole registries.
  if (registry === "logger" && flags.bool("disable_logging")) return false;
  if (registry.includes("event") && flags.bool("disable_events")) return false;
  if (registry === "database") return name === runtime.databasePlugin;
  const flag = ACTIVE_FLAG[registry];
  if (!flag) return true;
  // osquery compares the plugin with the whole flag value, so with
  // --logger_plugin=filesystem,tls it shows neither as active although both
  // run (osquery/tables/utility/osquery.cpp). osq reports each one in use.
  return flags.get(flag).split(",").map((s) => s.trim()).includes(name);
}

export default defineTable({
  name: "osquery_registry",
  utility: true,
  columns: {
    registry: "TEXT",
    name: "TEXT",
    owner_uuid: "INTEGER",
    internal: "INTEGER",
    active: "INTEGER",
  },
  async generate() {
    // Registries and their plugins live in std::maps in osquery: rows come in byte order.
    const registries = new Map<string, Map<string, boolean>>();
    for (const [registry, names] of runtime.plugins) {
      registries.set(registry, new Map([...names].map((name) => [name, INTERNAL[registry]?.has(name) ?? false])));
    }
    registries.set("table", new Map((await registeredTables()).map((t) => [t.name, t.utility])));
    // An extension's plugins are listed with its uuid as owner; they are never internal.
    const owners = new Map<string, number>();
    for (const registry of new Set([...registries.keys(), "config", "logger", "distributed", "table"])) {
      for (const [name, uuid] of extensionPlugins(registry)) {
        if (!registries.has(registry)) registries.set(registry, new Map());
        registries.get(registry)!.set(name, false);
        owners.set(`${registry}\0${name}`, uuid);
      }
    }
    const rows: Row[] = [];
    for (const registry of [...registries.keys()].sort(byteOrder)) {
      const plugins = registries.get(registry)!;
      for (const name of [...plugins.keys()].sort(byteOrder)) {
        const owner = owners.get(`${registry}\0${name}`) ?? 0;
        rows.push({ registry, name, owner_uuid: owner, internal: plugins.get(name) ? 1 : 0, active: isActive(registry, name) ? 1 : 0 });
      }
    }
    return rows;
  },
});
