import { defineTable } from "../../src/table.ts";

// The event publishers and subscribers, with their counters. osquery lists
// every one compiled in, running or not (osquery/events/events.cpp registers
// them even with --disable_events; only their setup is skipped). osq has no
// event publisher or subscriber yet, so its list is empty.
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
    return [];
  },
});
