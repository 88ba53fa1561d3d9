// file_events: what the inotify publisher saw under file_paths (src/events/file_events.ts stores the rows).
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "file_events",
  publisher: "inotify",
  columns: {
    target_path: "TEXT",
    category: "TEXT",
    action: "TEXT",
    transaction_id: "BIGINT",
    inode: "BIGINT",
    uid: "BIGINT",
    gid: "BIGINT",
    mode: "TEXT",
    size: "BIGINT",
    atime: "BIGINT",
    mtime: "BIGINT",
    ctime: "BIGINT",
    md5: "TEXT collate=nocase",
    sha1: "TEXT collate=nocase",
    sha256: "TEXT collate=nocase",
    hashed: "INTEGER",
    time: "BIGINT additional",
    eid: "TEXT hidden",
  },
});
