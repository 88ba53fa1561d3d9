// The buffer of a remote logger (osquery's BufferedLogForwarder storage):
// every result and status line is put in the store's `logs` domain the moment
// it is produced, and deleted only once the server has accepted the batch
// that carried it, so an outage or a kill -9 loses nothing.
//
// Keys are `<name>_r_<seq>` for results and `<name>_s_<seq>` for statuses.
// osquery numbers lines with the Unix second and a counter that restarts with
// the process, unpadded, so a restart or a tenth line can sort a line before
// older ones. Here one zero-padded sequence runs across both types and
// continues from the highest key left in the store, so a range scan of a type
// is production order, and the two types compare by sequence when purging.
import type { Store } from "../store/store.ts";

export type LogType = "result" | "status";

export interface BufferedLine {
  readonly key: string;
  readonly line: string;
}

const SEQ_DIGITS = 16;
/** Keys read per round when purging: bounded memory whatever buffered_log_max is. */
const PURGE_CHUNK = 10_000;

export class LogBuffer {
  private nextSeq = 0;
  private counted = 0;

  constructor(
    private readonly store: Store,
    private readonly name = "tls",
  ) {}

  private prefix(type: LogType): string {
    return `${this.name}_${type === "result" ? "r" : "s"}_`;
  }

  /**
   * Picks up what an earlier run left: the count kept beside the lines (a
   * count of a million keys would page the whole buffer in), and the
   * sequence after the last key of each type.
   */
  load(): void {
    let count = 0;
    for (const type of ["result", "status"] as const) {
      const [last] = this.store.keys("logs", this.prefix(type), { limit: 1, reverse: true });
      if (last !== undefined) this.nextSeq = Math.max(this.nextSeq, seqOf(last) + 1);
    }
    const kept = Number(this.store.get("logs", this.countKey) ?? NaN);
    if (Number.isSafeInteger(kept) && kept >= 0) {
      count = kept;
    } else {
      for (const type of ["result", "status"] as const) count += this.store.count("logs", this.prefix(type));
    }
    this.counted = count;
  }

  /** Outside both types' prefixes; written in the same commit as every change it counts. */
  private get countKey(): string {
    return `${this.name}_count`;
  }

  /** Lines buffered now, of both types. */
  get count(): number {
    return this.counted;
  }

  /** Keeps `lines` durably before returning; throws a StoreError when they could not be kept. */
  append(type: LogType, lines: readonly string[]): void {
    if (lines.length === 0) return;
    const first = this.nextSeq;
    this.store.writeSync((w) => {
      lines.forEach((line, i) => w.put("logs", this.prefix(type) + String(first + i).padStart(SEQ_DIGITS, "0"), line));
      w.put("logs", this.countKey, String(this.counted + lines.length));
    });
    this.nextSeq = first + lines.length;
    this.counted += lines.length;
  }

  /** The oldest `max` lines of a type, in production order. */
  oldest(type: LogType, max: number): BufferedLine[] {
    const out: BufferedLine[] = [];
    for (const key of this.store.keys("logs", this.prefix(type), { limit: max })) {
      const line = this.store.get("logs", key);
      if (line !== undefined) out.push({ key, line });
    }
    return out;
  }

  /** Forgets lines the server accepted (or that can never be sent). */
  remove(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const after = Math.max(0, this.counted - keys.length);
    this.store.writeSync((w) => {
      for (const k of keys) w.del("logs", k);
      w.put("logs", this.countKey, String(after));
    });
    this.counted = after;
  }

  /**
   * Deletes the `n` oldest lines of both types together, by production order,
   * and returns how many went. A chunk at a time: the k oldest of both are
   * among the k oldest of each, so no more than two chunks of keys are read.
   */
  purgeOldest(n: number): number {
    let purged = 0;
    while (purged < n) {
      const k = Math.min(n - purged, PURGE_CHUNK);
      const candidates = [...this.store.keys("logs", this.prefix("result"), { limit: k }), ...this.store.keys("logs", this.prefix("status"), { limit: k })];
      if (candidates.length === 0) break;
      candidates.sort((a, b) => seqOf(a) - seqOf(b));
      const doomed = candidates.slice(0, k);
      this.remove(doomed);
      purged += doomed.length;
    }
    return purged;
  }
}

function seqOf(key: string): number {
  const n = Number(key.slice(key.lastIndexOf("_") + 1));
  return Number.isFinite(n) ? n : 0;
}
