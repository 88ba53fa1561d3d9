// osquery's applyExtensionDelay, the one wait every extension start-up step
// uses (a socket to appear, a required extension or plugin to register):
// poll every 20 ms until the condition holds or the time is up, never less
// than 200 ms in all.
const STEP_MS = 20;
const MIN_MS = 200;

/** A seconds flag (--extensions_timeout, --extensions_interval, --timeout) in ms: osquery's atoi, at least 200 ms. */
export function flagMs(seconds: string): number {
  const n = Number.parseInt(seconds, 10);
  return Math.max(MIN_MS, (Number.isFinite(n) ? n : 0) * 1000);
}

/**
 * True once `predicate` holds; false when `timeoutMs` (at least 200 ms)
 * passed first, or at once when `mayWait` says waiting is pointless.
 */
export async function applyExtensionDelay(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  mayWait: () => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + Math.max(MIN_MS, timeoutMs);
  for (;;) {
    if (await predicate()) return true;
    if (!mayWait() || Date.now() >= deadline) return false;
    await Bun.sleep(STEP_MS);
  }
}
