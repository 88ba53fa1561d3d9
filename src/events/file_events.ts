// The file_events subscriber (osquery's FileEventSubscriber): one inotify
// subscription per file_paths glob, open/access events added for the
// categories in file_accesses, and each event stored with the file's stat
// facts (as the file table reports them) and, for CREATED and UPDATED outside
// access-monitored categories, its hashes.
import { boostParentPath } from "../linux/glob.ts";
import { fileInfo } from "../../tables/files/file.ts";
import { hashFile } from "../../tables/files/hash.ts";
import { EventSubscriber } from "./subscriber.ts";
import { excludeSetOf, FILE_ACCESS_MASK, FILE_DEFAULT_MASK, type FileEvent, type FileSubscription } from "./inotify.ts";
import type { EventPublisher } from "./publisher.ts";
import type { EventRow, EventsConfig } from "./types.ts";

const STAT_COLUMNS = ["inode", "uid", "gid", "mode", "size", "atime", "mtime", "ctime"] as const;

export class FileEventSubscriber extends EventSubscriber<FileEvent, FileSubscription> {
  readonly name = "file_events";
  readonly publisherType = "inotify";

  init(publisher: EventPublisher<FileEvent, FileSubscription>, config: EventsConfig): void {
    const { filePaths, fileAccesses } = config.files;
    const exclude = excludeSetOf(config.files);
    for (const [category, globs] of filePaths) {
      const mask = FILE_DEFAULT_MASK | (fileAccesses.includes(category) ? FILE_ACCESS_MASK : 0);
      for (const path of globs) {
        this.log.verbose(`Added file event listener to: ${path}`);
        publisher.subscribe({ subscriber: this.name, context: { category, path, mask, exclude }, callback: (e, s) => this.callback(e, s) });
      }
    }
  }

  private callback(event: FileEvent, sub: FileSubscription): void {
    const row: EventRow = {
      action: event.action,
      target_path: event.path,
      category: sub.category,
      transaction_id: event.cookie,
    };
    const info = fileInfo(event.path, boostParentPath(event.path));
    if (info) {
      for (const c of STAT_COLUMNS) {
        const v = info[c];
        if (v !== undefined && v !== null) row[c] = typeof v === "string" ? v : String(v);
      }
    }
    // Hashing an access-monitored file would open it, and so cause more access events.
    const accesses = (sub.mask & FILE_ACCESS_MASK) === FILE_ACCESS_MASK;
    if (!accesses && (event.action === "CREATED" || event.action === "UPDATED")) {
      const h = hashFile(event.path);
      row.md5 = h.md5 ?? "";
      row.sha1 = h.sha1 ?? "";
      row.sha256 = h.sha256 ?? "";
      row.hashed = h.md5 === "" ? -1 : 1;
    } else {
      row.hashed = 0;
    }
    this.add(row);
  }
}
