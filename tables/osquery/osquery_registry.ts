import { defineTable, type Row } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { runtime } from "../../src/runtime.ts";
import { registeredTableNames } from "../../src/table-list.ts";

/** The flag that picks the active plugin of each registry. */
const ACTIVE_FLAG: Record<string, string> = {
  config: "config_plugin",
  logger: "logger_plugin",
  distributed: "distributed_plugin",
};

function isActive(registry: string, name: string): boolean {
  if (registry === "database") return name === runtime.databasePlugin;
  const flag = ACTIVE_FLAG[registry];
  if (!flag) return true;
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
    const rows: Row[] = [];
    for (const [registry, names] of runtime.plugins) {
      for (const name of names) rows.push({ registry, name, owner_uuid: 0, internal: 0, active: isActive(registry, name) ? 1 : 0 });
    }
    for (const name of await registeredTableNames()) rows.push({ registry: "table", name, owner_uuid: 0, internal: 0, active: 1 });
    return rows;
  },
});
