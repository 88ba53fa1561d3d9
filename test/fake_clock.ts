// A Clock (src/daemon/scheduler.ts) that moves only when told to: sleeping
// advances it instantly, so tests of timed loops never wait.
import type { Clock } from "../src/daemon/scheduler.ts";

export class FakeClock implements Clock {
  sleeps: number[] = [];
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
  wake(): void {}
}
