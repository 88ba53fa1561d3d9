// yara_events' subscriber (osquery's YARAEventSubscriber): each category of
// the config's yara.file_paths names a file_paths category and the signature
// groups its files are scanned with. Its globs are watched for creation,
// writes and moves in (IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO:
// the CREATED, UPDATED and MOVED_TO actions), exclude_paths apply as for
// file_events, and a file is scanned with every group of its category in
// turn. As osquery, an event gives a row only when some rule matched; a file
// libyara cannot scan (a directory, a file already gone) gives none.
//
// Scans run in a thread of their own (scan_thread.ts), one at a time and in
// event order, so a large file never holds the main thread; at most
// MAX_PENDING wait, beyond that events are dropped and a status line says so.
// Groups are compiled once per config (scan.ts groupRules, shared with
// yara_file), when the config is applied: a group that does not compile is
// reported then, in one line, and its rules are left out.
import { excludeSetOf, type FileEvent, type FileSubscription } from "../events/inotify.ts";
import type { EventPublisher } from "../events/publisher.ts";
import { EventSubscriber } from "../events/subscriber.ts";
import type { EventsConfig } from "../events/types.ts";
import { IN_CLOSE_WRITE, IN_CREATE, IN_MODIFY, IN_MOVED_TO } from "../linux/inotify.ts";
import { errorMessage } from "../logger/glog.ts";
import { yaraConfig } from "./config.ts";
import type { YaraRules } from "./engine.ts";
import { groupRules, matchColumns } from "./scan.ts";
import { ScanThread } from "./scan_thread.ts";

/** osquery's FILE_CHANGE_MASK on Linux. */
export const YARA_MASK = IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO;
/** The actions osquery's callback scans; the mask lets no other through, the check is osquery's too. */
const SCANNED_ACTIONS: ReadonlySet<string> = new Set(["CREATED", "UPDATED", "MOVED_TO"]);
/** Scans waiting at most (each holds a path): a flood of writes costs events, not memory. */
const MAX_PENDING = 10_000;
/** Dropped events are reported at most once a minute. */
const DROP_REPORT_MS = 60_000;

export class YaraEventSubscriber extends EventSubscriber<FileEvent, FileSubscription> {
  readonly name = "yara_events";
  readonly publisherType = "inotify";
  /** category → signature groups, from the config init() last saw. */
  private groups = new Map<string, readonly string[]>();
  private scanner: ScanThread | null = null;
  private waiting = 0;
  private dropped = 0;
  private lastDropReport = 0;

  init(publisher: EventPublisher<FileEvent, FileSubscription>, config: EventsConfig): void {
    const yara = yaraConfig();
    const exclude = excludeSetOf(config.files);
    this.groups = new Map();
    for (const [category, groups] of yara.filePaths) {
      const globs = config.files.filePaths.get(category);
      if (!globs) {
        this.log.verbose(`Key in YARA file_paths not found in file_paths: ${category}`);
        continue;
      }
      this.groups.set(category, groups);
      for (const path of globs) {
        this.log.verbose(`Added YARA listener to: ${path}`);
        publisher.subscribe({ subscriber: this.name, context: { category, path, mask: YARA_MASK, exclude }, callback: (e, s) => this.callback(e, s) });
      }
    }
    this.scanner?.forgetRules();
    for (const group of new Set([...this.groups.values()].flat())) {
      if (!yara.signatures.has(group)) {
        this.log.verbose(`Yara rules group ${group} not found, skipping it`);
        continue;
      }
      void groupRules(group).then((r) => {
        if ("error" in r) this.log.error(r.error);
      });
    }
  }

  private callback(event: FileEvent, sub: FileSubscription): void {
    if (!SCANNED_ACTIONS.has(event.action)) return;
    if (this.waiting >= MAX_PENDING) {
      this.dropped++;
      const now = Date.now();
      if (now - this.lastDropReport >= DROP_REPORT_MS) {
        this.lastDropReport = now;
        this.log.warning(`yara_events: ${MAX_PENDING} scans are waiting, file events are not scanned (dropped: ${this.dropped})`);
      }
      return;
    }
    this.waiting++;
    this.scanEvent(event, sub.category)
      .catch((e: unknown) => this.log.error(`yara_events: cannot scan ${event.path}: ${errorMessage(e)}`))
      .finally(() => this.waiting--);
  }

  private async scanEvent(event: FileEvent, category: string): Promise<void> {
    const sets: YaraRules[] = [];
    for (const group of this.groups.get(category) ?? []) {
      const r = await groupRules(group);
      if ("rules" in r) sets.push(r.rules);
    }
    if (sets.length === 0) return;
    this.scanner ??= new ScanThread((m) => this.log.verbose(m));
    const result = await this.scanner.scan({ path: event.path, sets });
    if ("failed" in result) {
      this.log.verbose(`yara_events: ${event.path} is not scanned: ${result.failed}`);
      return;
    }
    if (result.matches.length === 0) return;
    this.add({
      target_path: event.path,
      category,
      action: event.action,
      ...matchColumns(result.matches),
      // osquery fills it from the event's transaction_id, which only FSEvents
      // sets: on Linux it is 0 even for a move (file_events shows the cookie).
      transaction_id: 0,
    });
  }
}
