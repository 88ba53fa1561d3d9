// yara_events: YARA matches of changed files; osq has no YARA engine yet, so the table stays empty.
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "yara_events",
  publisher: "inotify",
  columns: {
    target_path: "TEXT",
    category: "TEXT",
    action: "TEXT",
    matches: "TEXT",
    count: "INTEGER",
    strings: "TEXT",
    tags: "TEXT",
    time: "BIGINT",
    eid: "TEXT hidden",
    transaction_id: "BIGINT platform",
  },
});
