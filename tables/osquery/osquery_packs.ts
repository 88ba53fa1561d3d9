import { defineTable } from "../../src/table.ts";
import { daemonTables } from "../../src/daemon/state.ts";

// The daemon's packs (the schedule is the pack "main") and their discovery statistics.
export default defineTable({
  name: "osquery_packs",
  utility: true,
  columns: {
    name: "TEXT",
    platform: "TEXT",
    version: "TEXT collate=version",
    shard: "INTEGER",
    discovery_cache_hits: "INTEGER",
    discovery_executions: "INTEGER",
    active: "INTEGER",
  },
  generate() {
    return daemonTables.packs().map((r) => ({ ...r }));
  },
});
