// A publisher owns one source of events (an inotify descriptor, a netlink
// socket) and hands each event to the subscriptions that want it, as
// osquery's EventPublisher does. Capture must never block the event loop: a
// publisher polls a non-blocking descriptor from a timer (or runs a Worker),
// so queries and capture take turns instead of waiting on each other.
import type { EventLog } from "./types.ts";

/** One subscriber's interest in a publisher's events: the context says which (paths, actions). */
export interface Subscription<E, S> {
  readonly subscriber: string;
  readonly context: S;
  readonly callback: (event: E, context: S) => void;
}

const SILENT: EventLog = { info: () => {}, warning: () => {}, error: () => {}, verbose: () => {} };

/** A publisher whatever its event type, as the factory drives it. */
export interface PublisherHandle {
  readonly type: string;
  readonly eventCount: number;
  readonly restartCount: number;
  running: boolean;
  attachLog(log: EventLog): void;
  setUp(): string | null;
  configure(): void;
  start(): void;
  stop(): void;
  removeSubscriptions(subscriber: string): void;
  numSubscriptions(subscriber?: string): number;
}

export abstract class EventPublisher<E, S> implements PublisherHandle {
  /** osquery's publisher type name (inotify, udev, auditeventpublisher, ...): osquery_events shows it. */
  abstract readonly type: string;
  /** Events fired (osquery_events.events). */
  eventCount = 0;
  /** Times capture was restarted after a failure (osquery_events.refreshes). */
  restartCount = 0;
  /** True between a successful start() and stop(). */
  running = false;
  protected log: EventLog = SILENT;
  protected subscriptions: Subscription<E, S>[] = [];

  /** Prepares capture; returns why the publisher cannot run (osquery: "Publisher disabled via configuration"), or null. */
  abstract setUp(): string | null;
  /** Applies the subscriptions as they are now; called after every (re)subscription, before and while running. */
  abstract configure(): void;
  /** Starts capture. Must return at once: capture proceeds from the event loop or a Worker. */
  abstract start(): void;
  /** Stops capture and releases its descriptors. */
  abstract stop(): void;

  /** Called by the factory before setUp. */
  attachLog(log: EventLog): void {
    this.log = log;
  }

  subscribe(subscription: Subscription<E, S>): void {
    this.subscriptions.push(subscription);
  }

  /** Drops every subscription of `subscriber` (before it subscribes again from a new config). */
  removeSubscriptions(subscriber: string): void {
    this.subscriptions = this.subscriptions.filter((s) => s.subscriber !== subscriber);
  }

  numSubscriptions(subscriber?: string): number {
    return subscriber === undefined ? this.subscriptions.length : this.subscriptions.filter((s) => s.subscriber === subscriber).length;
  }

  /** Whether `context` wants `event`; publishers narrow by path, action, ... */
  protected shouldFire(_context: S, _event: E): boolean {
    return true;
  }

  /** Hands `event` to every subscription that wants it. A failing callback costs that subscriber the event, not the others. */
  protected fire(event: E): void {
    this.eventCount++;
    for (const s of this.subscriptions) {
      if (!this.shouldFire(s.context, event)) continue;
      try {
        s.callback(event, s.context);
      } catch (e) {
        this.log.error(`Event subscriber ${s.subscriber} failed on a ${this.type} event: ${(e as Error).message}`);
      }
    }
  }
}
