// Core's health checks of registered extensions (osquery's
// ExtensionManagerWatcher): every --extensions_interval (at least 200 ms)
// each extension's socket `<em>.<uuid>` is pinged. An extension whose socket
// is missing, that does not answer within 10 s, or that answers with a failed
// status is deregistered at once, its tables and plugins with it. The one
// grace: a socket not there yet at an extension's first check is waited for
// up to --extensions_timeout, as a freshly registered extension may still be
// binding it.
import { existsSync } from "node:fs";
import { applyExtensionDelay } from "./delay.ts";
import { connectExtensionClient } from "./thrift.ts";

/** What the health checks need from the extension manager. */
export interface CheckedManager {
  registered(): readonly { readonly uuid: number; readonly path: string }[];
  deregister(uuid: number, why: string): boolean;
}

export interface HealthSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** How long a ping may take before the extension counts as hung; osquery's 10 s unless given. */
  readonly pingTimeoutMs?: number;
}

export interface HealthLog {
  readonly info: (message: string) => void;
  readonly verbose: (message: string) => void;
}

/** osquery's liveness ping timeout. */
const PING_TIMEOUT_MS = 10_000;

async function ping(path: string, timeoutMs: number): Promise<string | null> {
  let client;
  try {
    client = await connectExtensionClient(path, { timeoutMs });
    const status = await client.ping();
    return status.code === 0 ? null : `ping failed: ${status.message}`;
  } catch (e) {
    return `ping failed: ${(e as Error).message}`;
  } finally {
    client?.close();
  }
}

export class ExtensionHealth {
  /** uuids checked at least once: only a first check waits for the socket. */
  private readonly seen = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly manager: CheckedManager,
    private readonly settings: () => HealthSettings,
    private readonly log: HealthLog,
  ) {}

  /** One round: every registered extension is checked (in parallel, so one hung extension delays no other). */
  async check(): Promise<void> {
    const s = this.settings();
    const current = this.manager.registered();
    const live = new Set(current.map((e) => e.uuid));
    for (const uuid of this.seen) if (!live.has(uuid)) this.seen.delete(uuid);
    await Promise.all(
      current.map(async ({ uuid, path }) => {
        let exists = existsSync(path);
        if (!exists && !this.seen.has(uuid)) {
          this.log.verbose(`Extension UUID ${uuid} initial check failed`);
          exists = await applyExtensionDelay(() => existsSync(path), s.timeoutMs);
        }
        this.seen.add(uuid);
        const failure = exists ? await ping(path, s.pingTimeoutMs ?? PING_TIMEOUT_MS) : `socket ${path} is missing`;
        if (failure === null || this.stopped) return;
        this.log.info(`Extension UUID ${uuid} has gone away`);
        this.log.verbose(`Extension UUID ${uuid}: ${failure}`);
        this.manager.deregister(uuid, failure);
        this.seen.delete(uuid);
      }),
    );
  }

  /** Checks every interval until stop(); a round that runs long delays the next, never overlaps it. */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.check()
        .catch((e: unknown) => this.log.verbose(`Extension health check failed: ${(e as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.settings().intervalMs);
        });
    };
    this.timer = setTimeout(loop, this.settings().intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
