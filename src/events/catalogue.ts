// Every built-in publisher and subscriber, loaded only when events start, so
// a shell or daemon without events never loads a capture module. osquery
// lists all of them in osquery_events, running or not: so does osq.
import type { PublisherHandle } from "./publisher.ts";
import type { SubscriberHandle } from "./subscriber.ts";

export type SomePublisher = PublisherHandle;
export type SomeSubscriber = SubscriberHandle;

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
  { type: "inotify", load: async () => new (await import("./inotify.ts")).InotifyPublisher() },
  { type: "udev", load: async () => new (await import("./udev.ts")).UdevPublisher() },
  { type: "auditeventpublisher", load: async () => new (await import("../audit/publisher.ts")).AuditEventPublisher() },
  { type: "syslog", load: async () => new (await import("../syslog/publisher.ts")).SyslogEventPublisher() },
];

const audit = () => import("../audit/subscribers.ts");

export const SUBSCRIBERS: readonly SubscriberEntry[] = [
  { name: "file_events", publisher: "inotify", load: async () => new (await import("./file_events.ts")).FileEventSubscriber() },
  { name: "hardware_events", publisher: "udev", load: async () => new (await import("./hardware_events.ts")).HardwareEventSubscriber() },
  { name: "process_events", publisher: "auditeventpublisher", load: async () => new (await audit()).ProcessEventSubscriber() },
  { name: "socket_events", publisher: "auditeventpublisher", load: async () => new (await audit()).SocketEventSubscriber() },
  { name: "user_events", publisher: "auditeventpublisher", load: async () => new (await audit()).UserEventSubscriber() },
  { name: "process_file_events", publisher: "auditeventpublisher", load: async () => new (await audit()).ProcessFileEventSubscriber() },
  { name: "selinux_events", publisher: "auditeventpublisher", load: async () => new (await audit()).SELinuxEventSubscriber() },
  { name: "apparmor_events", publisher: "auditeventpublisher", load: async () => new (await audit()).AppArmorEventSubscriber() },
  { name: "seccomp_events", publisher: "auditeventpublisher", load: async () => new (await audit()).SeccompEventSubscriber() },
  { name: "syslog_events", publisher: "syslog", load: async () => new (await import("../syslog/subscriber.ts")).SyslogEventSubscriber() },
  { name: "yara_events", publisher: "inotify", load: async () => new (await import("../yara/subscriber.ts")).YaraEventSubscriber() },
];
