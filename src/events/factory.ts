// The event factory (osquery's EventFactory): starts the publishers and
// subscribers from the config, re-subscribes them when the config changes,
// stops them, and reports each one's counters for osquery_events.
//
// With --disable_events nothing is loaded or started; osquery_events still
// lists every built-in publisher and subscriber, inactive (0), as osquery
// does; -1 is for a subscriber whose publisher osq does not have.
import { flags } from "../flags/flags.ts";
import { errorMessage } from "../logger/glog.ts";
import { PUBLISHERS, SUBSCRIBERS, type SomePublisher, type SomeSubscriber } from "./catalogue.ts";
import { eventStore, flushEventStores } from "./store.ts";
import type { EventLog, EventsConfig, EventStatusRow } from "./types.ts";

class EventFactory {
  private readonly publishers = new Map<string, SomePublisher>();
  private readonly subscribers = new Map<string, SomeSubscriber>();
  private log: EventLog | null = null;
  private starting: Promise<void> | null = null;

  /** Starts every enabled publisher and subscriber; resolves once each capture has started (or failed to). */
  start(config: EventsConfig, log: EventLog): Promise<void> {
    this.starting ??= this.doStart(config, log);
    return this.starting;
  }

  private async doStart(config: EventsConfig, log: EventLog): Promise<void> {
    if (flags.bool("disable_events")) return;
    this.log = log;
    for (const entry of PUBLISHERS) {
      if (config.disablePublishers.includes(entry.type)) {
        log.info(`Event publisher not enabled: ${entry.type}: disabled by the config's events.disable_publishers`);
        continue;
      }
      let pub: SomePublisher;
      try {
        pub = await entry.load();
      } catch (e) {
        log.error(`Cannot load event publisher ${entry.type}: ${errorMessage(e)}`);
        continue;
      }
      pub.attachLog(log);
      const why = pub.setUp();
      if (why !== null) {
        log.info(`Event publisher not enabled: ${entry.type}: ${why}`);
        continue;
      }
      this.publishers.set(entry.type, pub);
    }
    for (const entry of SUBSCRIBERS) {
      let sub: SomeSubscriber;
      try {
        sub = await entry.load();
      } catch (e) {
        log.error(`Cannot load event subscriber ${entry.name}: ${errorMessage(e)}`);
        continue;
      }
      const store = eventStore(entry.publisher, entry.name);
      store.maxBatches = () => flags.num("events_max");
      store.warn = (m) => log.warning(m);
      store.removeOverflow(flags.num("events_max"));
      sub.attach(store, log);
      this.subscribers.set(entry.name, sub);
    }
    this.subscribe(config);
    for (const pub of this.publishers.values()) {
      try {
        pub.start();
        pub.running = true;
        log.verbose(`Starting event publisher run loop: ${pub.type}`);
      } catch (e) {
        log.error(`Event publisher ${pub.type} failed to start: ${errorMessage(e)}`);
      }
    }
  }

  /** A changed config: every subscriber subscribes again, every publisher applies the result. */
  async configure(config: EventsConfig): Promise<void> {
    if (!this.starting) return;
    await this.starting;
    this.subscribe(config);
  }

  private subscribe(config: EventsConfig): void {
    for (const sub of this.subscribers.values()) {
      let enabled = sub.enabledByDefault;
      if (config.enableSubscribers.includes(sub.name)) enabled = true;
      if (config.disableSubscribers.includes(sub.name)) enabled = false;
      const pub = this.publishers.get(sub.publisherType);
      pub?.removeSubscriptions(sub.name);
      if (!enabled) {
        if (sub.state !== "paused") this.log?.verbose(`Disabling event subscriber: ${sub.name}`);
        sub.state = "paused";
        continue;
      }
      // osquery runs a subscriber whose publisher is missing: it stores nothing, its table reads what is kept.
      sub.state = "running";
      if (!pub) continue;
      try {
        sub.subscribeTo(pub, config);
      } catch (e) {
        sub.state = "failed";
        this.log?.error(`Event subscriber ${sub.name} failed to start: ${errorMessage(e)}`);
      }
    }
    for (const pub of this.publishers.values()) {
      try {
        pub.configure();
      } catch (e) {
        this.log?.error(`Event publisher ${pub.type} failed to configure: ${errorMessage(e)}`);
      }
    }
  }

  /** Stops capture and commits what the subscribers have added. */
  async stop(): Promise<void> {
    // A start that failed has already logged why; what it did start is stopped below.
    if (this.starting) await this.starting.catch((e: unknown) => this.log?.verbose(`Events had not started: ${errorMessage(e)}`));
    for (const pub of this.publishers.values()) {
      try {
        pub.stop();
      } catch (e) {
        this.log?.verbose(`Event publisher ${pub.type} did not stop cleanly: ${errorMessage(e)}`);
      }
      pub.running = false;
    }
    flushEventStores();
  }

  /** osquery_events: publishers first, then subscribers, each in name order. */
  status(): EventStatusRow[] {
    const rows: EventStatusRow[] = [];
    for (const { type } of [...PUBLISHERS].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))) {
      const pub = this.publishers.get(type);
      rows.push({
        name: type,
        publisher: type,
        type: "publisher",
        subscriptions: pub?.numSubscriptions() ?? 0,
        events: pub?.eventCount ?? 0,
        refreshes: pub?.restartCount ?? 0,
        // osquery registers a publisher whose setUp failed (or never ran, with --disable_events): inactive, not missing.
        active: pub?.running ? 1 : 0,
      });
    }
    for (const entry of [...SUBSCRIBERS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const sub = this.subscribers.get(entry.name);
      rows.push({
        name: entry.name,
        publisher: entry.publisher,
        type: "subscriber",
        subscriptions: sub ? (this.publishers.get(entry.publisher)?.numSubscriptions(entry.name) ?? 0) : 0,
        events: sub?.eventCount ?? 0,
        refreshes: 0,
        active: !PUBLISHERS.some((p) => p.type === entry.publisher) ? -1 : sub?.state === "running" ? 1 : 0,
      });
    }
    return rows;
  }
}

export const eventFactory = new EventFactory();
