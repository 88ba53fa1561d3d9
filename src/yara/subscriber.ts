// yara_events' subscriber. osquery scans the files that file_events reports
// with YARA rules from the config's `yara` section; osq has no YARA engine
// yet (another task builds one), so the table is registered with osquery's
// schema and stays empty, and starting says so at verbose level.
import type { EventPublisher } from "../events/publisher.ts";
import { EventSubscriber } from "../events/subscriber.ts";

export class YaraEventSubscriber extends EventSubscriber<unknown, unknown> {
  readonly name = "yara_events";
  readonly publisherType = "inotify";

  init(_publisher: EventPublisher<unknown, unknown>): void {
    this.log.verbose("yara_events: osq has no YARA engine yet; the table stays empty");
  }
}
