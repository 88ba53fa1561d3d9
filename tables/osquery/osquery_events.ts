import { defineTable } from "../../src/table.ts";

// The event publishers and subscribers, with their counters. osquery lists
// those the event factory has registered (osquery/tables/utility/osquery.cpp),
// and registers none when events are disabled, as the shell's default is. osq
// runs no event publisher or subscriber yet, so the list is empty everywhere.
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
