// Every built-in publisher and subscriber, loaded only when events start, so
// a shell or daemon without events never loads a capture module. osquery
// lists all of them in osquery_events, running or not: so does osq.
import type { EventPublisher } from "./publisher.ts";
import type { EventSubscriber } from "./subscriber.ts";

/** A publisher or subscriber of any event type, as the factory holds them. */
export type SomePublisher = EventPublisher<never, never>;
export type SomeSubscriber = EventSubscriber<never, never>;

export interface PublisherEntry {
  /** osquery's publisher type name. */
  readonly type: string;
  load(): Promise<SomePublisher>;
}

export interface SubscriberEntry {
  /** The subscriber's (and its table's) name. */
  readonly name: string;
  /** The type of its publisher. */
  readonly publisher: string;
  load(): Promise<SomeSubscriber>;
}

// A module exports its class; the entry makes one instance per start.
export const PUBLISHERS: readonly PublisherEntry[] = [];

export const SUBSCRIBERS: readonly SubscriberEntry[] = [];
