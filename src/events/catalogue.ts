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
export const PUBLISHERS: readonly PublisherEntry[] = [
  { type: "auditeventpublisher", load: async () => (new (await import("../audit/publisher.ts")).AuditEventPublisher() as unknown as SomePublisher) },
  { type: "syslog", load: async () => (new (await import("../syslog/publisher.ts")).SyslogEventPublisher() as unknown as SomePublisher) },
];

const audit = () => import("../audit/subscribers.ts");

export const SUBSCRIBERS: readonly SubscriberEntry[] = [
  { name: "process_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).ProcessEventSubscriber() as unknown as SomeSubscriber) },
  { name: "socket_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).SocketEventSubscriber() as unknown as SomeSubscriber) },
  { name: "user_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).UserEventSubscriber() as unknown as SomeSubscriber) },
  { name: "process_file_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).ProcessFileEventSubscriber() as unknown as SomeSubscriber) },
  { name: "selinux_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).SELinuxEventSubscriber() as unknown as SomeSubscriber) },
  { name: "apparmor_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).AppArmorEventSubscriber() as unknown as SomeSubscriber) },
  { name: "seccomp_events", publisher: "auditeventpublisher", load: async () => (new (await audit()).SeccompEventSubscriber() as unknown as SomeSubscriber) },
  { name: "syslog_events", publisher: "syslog", load: async () => (new (await import("../syslog/subscriber.ts")).SyslogEventSubscriber() as unknown as SomeSubscriber) },
  { name: "yara_events", publisher: "inotify", load: async () => (new (await import("../yara/subscriber.ts")).YaraEventSubscriber() as unknown as SomeSubscriber) },
];
