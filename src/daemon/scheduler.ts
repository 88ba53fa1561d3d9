// The scheduler's clock (INTERFACES §7). A tick counter starts at the current
// Unix second and advances by one per loop; a query is due on ticks where the
// counter is a multiple of its splayed interval, so runs line up with
// wall-clock multiples, not with when the daemon started. A slow tick makes
// the following sleeps shorter until the lag is made up; lag beyond
// schedule_max_drift is forgiven. schedule_timeout ends the loop.
//
// The clock is injected, so tests drive the loop without waiting.
import type { ScheduledEntry } from "./config.ts";
import { NO_STARTUP_PRIORITY } from "./packs.ts";
import { letSignalsIn } from "../watchdog/worker.ts";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms`; resolves early when `wake` is called. */
  sleep(ms: number): Promise<void>;
  wake(): void;
}

export function systemClock(): Clock {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let resolveSleep: (() => void) | null = null;
  return {
    now: () => Date.now(),
    sleep(ms) {
      return new Promise<void>((resolve) => {
        resolveSleep = resolve;
        timer = setTimeout(() => {
          timer = null;
          resolveSleep = null;
          resolve();
        }, ms);
      });
    },
    wake() {
      if (timer) clearTimeout(timer);
      timer = null;
      const r = resolveSleep;
      resolveSleep = null;
      r?.();
    },
  };
}

export interface LoopSettings {
  /** Seconds the loop runs for; 0 for no limit. */
  readonly timeout: number;
  /** Seconds of accumulated lag after which the scheduler stops catching up. */
  maxDrift(): number;
}

export type LoopEnd = "timeout" | "interrupted";

export class SchedulerLoop {
  private interrupted = false;
  /** The current lag, in ms; tests read it. */
  drift = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: LoopSettings,
    private readonly onTick: (tick: number) => Promise<void>,
  ) {}

  /** Ends the loop after the tick in progress (an in-flight query completes). */
  stop(): void {
    this.interrupted = true;
    this.clock.wake();
  }

  async run(): Promise<LoopEnd> {
    let i = Math.floor(this.clock.now() / 1000);
    const end = this.settings.timeout === 0 ? 0 : this.settings.timeout + i;
    for (; end === 0 || i <= end; i++) {
      const start = this.clock.now();
      await this.onTick(i);
      if (this.interrupted) return "interrupted";
      await this.pause(this.clock.now() - start);
      if (this.interrupted) return "interrupted";
    }
    return "timeout";
  }

  /** osquery's calculateTimeDriftAndMaybePause for a one-second step. */
  private async pause(stepMs: number): Promise<void> {
    if (stepMs + this.drift < 1000) {
      await this.clock.sleep(1000 - stepMs - this.drift);
      this.drift = 0;
    } else {
      this.drift += stepMs - 1000;
      if (this.drift > this.settings.maxDrift() * 1000) this.drift = 0;
      // No sleep when behind, but a stop request must still get in between ticks.
      await letSignalsIn();
    }
  }
}

/**
 * The queries to launch on tick `i`, in schedule order (packs in order, each
 * pack's queries by (startup_priority, name)), as osquery's single pass over
 * the schedule: a query runs when `i` is a multiple of its splayed interval,
 * or when it has a startup_priority and has not run yet in this process, so
 * a startup query that a config update adds runs on the next tick too.
 * `ran` holds the names that have run; the names returned are added to it.
 * Denylisted queries are skipped.
 */
export function dueQueries(entries: readonly ScheduledEntry[], i: number, ran: Set<string>): ScheduledEntry[] {
  const out: ScheduledEntry[] = [];
  for (const e of entries) {
    if (e.denylisted) continue;
    const splayed = e.query.splayedInterval;
    const hasNotRun = !ran.has(e.name);
    if ((splayed > 0 && i % splayed === 0) || (e.query.startupPriority !== NO_STARTUP_PRIORITY && hasNotRun)) {
      ran.add(e.name);
      out.push(e);
    }
  }
  return out;
}
