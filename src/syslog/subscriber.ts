// syslog_events' subscriber: every line the publisher parsed is one row.
import type { EventPublisher } from "../events/publisher.ts";
import { EventSubscriber } from "../events/subscriber.ts";
import type { SyslogEvent } from "./publisher.ts";

export class SyslogEventSubscriber extends EventSubscriber<SyslogEvent, null> {
  readonly name = "syslog_events";
  readonly publisherType = "syslog";

  init(publisher: EventPublisher<SyslogEvent, null>): void {
    publisher.subscribe({ subscriber: this.name, context: null, callback: (event) => this.add({ ...event }) });
  }
}
