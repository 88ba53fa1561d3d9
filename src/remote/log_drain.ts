// When a remote logger may send next (osquery's BufferedLogForwarder timing):
// every period while the server accepts; after the n-th failure in a row,
// period × n² later, at most logger_tls_backoff_max (the streak stops growing
// at the cap). A cap no longer than the period turns back-off off. Results
// and statuses back off apart, so a server that refuses one type still gets
// the other.

/** Seconds to wait after `failures` failed sends in a row. */
export function backoffSeconds(failures: number, periodSeconds: number, maxSeconds: number): number {
  if (failures <= 0 || maxSeconds <= periodSeconds) return periodSeconds;
  return Math.min(periodSeconds * failures * failures, maxSeconds);
}

export interface DrainTiming {
  readonly periodSeconds: number;
  readonly backoffMaxSeconds: number;
}

export class Backoff {
  /** Failed sends in a row. */
  failures = 0;
  /** Milliseconds since the epoch before which no send is due. */
  private notBefore = 0;

  constructor(private readonly timing: () => DrainTiming) {}

  due(nowMs: number): boolean {
    return nowMs >= this.notBefore;
  }

  /** Records a failed send at `nowMs`; returns the seconds until the next one. */
  failed(nowMs: number): number {
    const { periodSeconds, backoffMaxSeconds } = this.timing();
    this.failures++;
    const wait = backoffSeconds(this.failures, periodSeconds, backoffMaxSeconds);
    // At the cap the streak stops growing, so a shorter cap later shortens the wait at once.
    if (wait === backoffMaxSeconds && this.failures > 1 && periodSeconds * this.failures * this.failures > backoffMaxSeconds) this.failures--;
    // The waits are measured from one period tick to the next, so a wait of
    // one period means the very next tick; a little slack keeps a tick that
    // wakes a millisecond early from missing its turn.
    this.notBefore = nowMs + wait * 1000 - 1;
    return wait;
  }

  succeeded(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
}
