import { defineTable } from "../../src/table.ts";
import { eventFactory } from "../../src/events/factory.ts";

// The event publishers and subscribers, with their counters. osquery lists
// every one compiled in, running or not (osquery/events/events.cpp registers
// them even with --disable_events; only their setup is skipped).
export default defineTable({
  name: "osquery_events",
  utility: true,
  columns: {
    name: "TEXT",
    publisher: "TEXT",
    type: "TEXT",
    subscriptions: "INTEGER",
    events: "INTEGER",
    refreshes: "INTEGER",
    active: "INTEGER",
  },
  generate() {
    return eventFactory.status().map((r) => ({ ...r }));
  },
});
