// The audit-based tables' subscribers: each takes the publisher's batches
// when its flag is on (osquery's init() refuses otherwise) and stores the
// rows its table makes of them.
import { flags } from "../flags/flags.ts";
import type { EventPublisher } from "../events/publisher.ts";
import { EventSubscriber } from "../events/subscriber.ts";
import type { EventRow, EventsConfig } from "../events/types.ts";
import { GLOB_ALL, resolveFilePattern } from "../linux/glob.ts";
import type { AuditBatch } from "./publisher.ts";
import { apparmorEventRows, processEventRows, seccompEventRows, selinuxEventRows, socketEventRows, userEventRows } from "./rows.ts";
import { processFileEventRows, ProcessFileState } from "./file_events.ts";

abstract class AuditSubscriber extends EventSubscriber<AuditBatch, null> {
  readonly publisherType = "auditeventpublisher";
  protected abstract readonly flag: string;
  protected abstract rows(batch: AuditBatch): EventRow[];

  init(publisher: EventPublisher<AuditBatch, null>, _config?: EventsConfig): void {
    if (!flags.bool(this.flag)) {
      this.log.verbose(`Event subscriber ${this.name}: Subscriber disabled via configuration`);
      return;
    }
    publisher.subscribe({ subscriber: this.name, context: null, callback: (batch) => this.onBatch(batch) });
  }

  private onBatch(batch: AuditBatch): void {
    for (const row of this.rows(batch)) this.add(row);
  }
}

export class ProcessEventSubscriber extends AuditSubscriber {
  readonly name = "process_events";
  protected readonly flag = "audit_allow_process_events";
  protected rows(b: AuditBatch): EventRow[] {
    return processEventRows(b.events, b.syscalls);
  }
}

export class SocketEventSubscriber extends AuditSubscriber {
  readonly name = "socket_events";
  protected readonly flag = "audit_allow_sockets";
  protected rows(b: AuditBatch): EventRow[] {
    return socketEventRows(b.events, b.syscalls, {
      allowFailed: flags.bool("audit_allow_failed_socket_events"),
      allowUnix: flags.bool("audit_allow_unix"),
      allowAccept: flags.bool("audit_allow_accept_socket_events"),
      allowNullAccept: flags.bool("audit_allow_null_accept_socket_events"),
    });
  }
}

export class UserEventSubscriber extends AuditSubscriber {
  readonly name = "user_events";
  protected readonly flag = "audit_allow_user_events";
  protected rows(b: AuditBatch): EventRow[] {
    return userEventRows(b.events);
  }
}

export class SELinuxEventSubscriber extends AuditSubscriber {
  readonly name = "selinux_events";
  protected readonly flag = "audit_allow_selinux_events";
  protected rows(b: AuditBatch): EventRow[] {
    return selinuxEventRows(b.events);
  }
}

export class AppArmorEventSubscriber extends AuditSubscriber {
  readonly name = "apparmor_events";
  protected readonly flag = "audit_allow_apparmor_events";
  protected rows(b: AuditBatch): EventRow[] {
    return apparmorEventRows(b.events);
  }
}

export class SeccompEventSubscriber extends AuditSubscriber {
  readonly name = "seccomp_events";
  protected readonly flag = "audit_allow_seccomp_events";
  protected rows(b: AuditBatch): EventRow[] {
    return seccompEventRows(b.events, b.syscalls);
  }
}

export class ProcessFileEventSubscriber extends AuditSubscriber {
  readonly name = "process_file_events";
  protected readonly flag = "audit_allow_fim_events";
  private readonly files = new ProcessFileState();
  override init(publisher: EventPublisher<AuditBatch, null>, config: EventsConfig): void {
    // osquery resolves file_paths once, when the subscriber is configured: files created later are not watched.
    const included = new Set<string>();
    for (const globs of config.files.filePaths.values()) for (const g of globs) for (const p of resolveFilePattern(g, GLOB_ALL)) included.add(p);
    this.files.included = included;
    super.init(publisher, config);
  }
  protected rows(b: AuditBatch): EventRow[] {
    return processFileEventRows(b.events, b.syscalls, this.files);
  }
}
