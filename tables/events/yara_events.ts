// yara_events: files under the config's yara.file_paths categories, scanned with their signature groups as they are created, written or moved in (src/yara/subscriber.ts).
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
