import { defineTable } from "../../src/table.ts";
import { daemonTables } from "../../src/daemon/state.ts";

// The scheduled queries with their run statistics: the daemon's, or in the shell
// those of the --config_path config (never executed there).
export default defineTable({
  name: "osquery_schedule",
  utility: true,
  columns: {
    name: "TEXT",
    query: "TEXT",
    interval: "INTEGER",
    executions: "BIGINT",
    last_executed: "BIGINT",
    denylisted: "INTEGER aliases=blacklisted",
    output_size: "BIGINT",
    wall_time: "BIGINT",
    wall_time_ms: "BIGINT",
    last_wall_time_ms: "BIGINT",
    user_time: "BIGINT",
    last_user_time: "BIGINT",
    system_time: "BIGINT",
    last_system_time: "BIGINT",
    average_memory: "BIGINT",
    last_memory: "BIGINT",
  },
  async generate() {
    return (await daemonTables.schedule()).map((r) => ({ ...r }));
  },
});
