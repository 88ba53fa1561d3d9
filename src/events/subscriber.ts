// A subscriber turns a publisher's events into rows of its table and stores
// them (osquery's EventSubscriber). It subscribes from the config in init(),
// which the factory calls at start and after every config change, with its
// old subscriptions already removed.
import type { EventPublisher, PublisherHandle } from "./publisher.ts";
import type { EventStore } from "./store.ts";
import type { EventLog, EventRow, EventsConfig } from "./types.ts";

export type SubscriberState = "none" | "running" | "paused" | "failed";

/** A subscriber whatever its event type, as the factory drives it. */
export interface SubscriberHandle {
  readonly name: string;
  readonly publisherType: string;
  readonly enabledByDefault: boolean;
  readonly eventCount: number;
  state: SubscriberState;
  attach(store: EventStore, log: EventLog): void;
  subscribeTo(publisher: PublisherHandle, config: EventsConfig): void;
}

export abstract class EventSubscriber<E, S> implements SubscriberHandle {
  /** The table's name (file_events, process_events, ...). */
  abstract readonly name: string;
  /** The type of the publisher it subscribes to. */
  abstract readonly publisherType: string;
  /** osquery ships a few subscribers off; the config's events.enable_subscribers turns them on. */
  readonly enabledByDefault: boolean = true;
  /** Rows added (osquery_events.events). */
  eventCount = 0;
  state: SubscriberState = "none";
  protected log!: EventLog;
  private store: EventStore | null = null;

  /** Subscribes to `publisher` as the config asks. */
  abstract init(publisher: EventPublisher<E, S>, config: EventsConfig): void;

  /** The factory hands over the publisher of type publisherType, so its events are this subscriber's E. */
  subscribeTo(publisher: PublisherHandle, config: EventsConfig): void {
    this.init(publisher as EventPublisher<E, S>, config);
  }

  /** Called by the factory: where rows go and where status lines go. */
  attach(store: EventStore, log: EventLog): void {
    this.store = store;
    this.log = log;
  }

  /**
   * Stores one row, stamped with the current time and the next event id. Rows
   * added in one turn of the event loop are committed together, right after it.
   */
  protected add(row: EventRow): void {
    if (!this.store) throw new Error(`event subscriber ${this.name} has no store`);
    this.store.add(row);
    this.eventCount++;
  }
}
