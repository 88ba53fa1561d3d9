// A single-producer, single-consumer ring of byte chunks in a
// SharedArrayBuffer: a Worker blocked in a read writes what it read, the main
// thread takes it when its event loop is free. Bounded: a full ring makes the
// producer wait, so the kernel's own queue holds the rest.
// Positions count bytes modulo 2^32 (Int32 wrap-around); with a power-of-two
// size, `position & (size - 1)` is the offset whatever the wrap.
const HEAD = 0; // next byte the consumer reads
const TAIL = 1; // next byte the producer writes
const STOP = 2; // set by the consumer: the producer ends its loop
const DONE = 3; // set by the producer once it has ended
const WAKE = 4; // set by the producer when it put data the consumer has not been told of
const HEADER_BYTES = 32;

/** What a producer thread posts when shouldWake() says so. */
export const WAKE_MESSAGE = "wake";
const LENGTH_BYTES = 4;

export class ByteRing {
  readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  private readonly size: number;
  /** The producer's length prefix, reused: its thread allocates nothing per chunk. */
  private readonly lengthBytes = new Uint8Array(LENGTH_BYTES);
  private readonly lengthView = new DataView(this.lengthBytes.buffer);

  constructor(readonly shared: SharedArrayBuffer) {
    this.ctl = new Int32Array(shared, 0, 5);
    this.data = new Uint8Array(shared, HEADER_BYTES);
    this.size = this.data.length;
  }

  /** `bytes` must be a power of two. */
  static create(bytes: number): ByteRing {
    if ((bytes & (bytes - 1)) !== 0) throw new Error("a ring's size is a power of two");
    return new ByteRing(new SharedArrayBuffer(HEADER_BYTES + bytes));
  }

  private copyIn(at: number, src: Uint8Array): void {
    const i = at & (this.size - 1);
    const first = Math.min(src.length, this.size - i);
    this.data.set(src.subarray(0, first), i);
    if (first < src.length) this.data.set(src.subarray(first), 0);
  }

  private copyOut(at: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    const i = at & (this.size - 1);
    const first = Math.min(len, this.size - i);
    out.set(this.data.subarray(i, i + first), 0);
    if (first < len) out.set(this.data.subarray(0, len - first), first);
    return out;
  }

  /** The little-endian length prefix at `at`, which may straddle the buffer's end. */
  private lengthAt(at: number): number {
    let n = 0;
    for (let k = LENGTH_BYTES - 1; k >= 0; k--) n = n * 256 + this.data[(at + k) & (this.size - 1)]!;
    return n;
  }

  /** Producer: appends a chunk, waiting while the ring is full; false when stopped meanwhile. */
  put(chunk: Uint8Array): boolean {
    const need = LENGTH_BYTES + chunk.length;
    if (need > this.size) throw new Error("chunk larger than the ring");
    for (;;) {
      const head = Atomics.load(this.ctl, HEAD);
      const tail = Atomics.load(this.ctl, TAIL);
      if (this.size - ((tail - head) | 0) >= need) {
        this.lengthView.setUint32(0, chunk.length, true);
        this.copyIn(tail, this.lengthBytes);
        this.copyIn((tail + LENGTH_BYTES) | 0, chunk);
        Atomics.store(this.ctl, TAIL, (tail + need) | 0);
        return true;
      }
      // Stopping and full: the consumer takes what is in the ring once more, then no more.
      if (this.stopped) return false;
      // Woken when the consumer takes something (or after 50 ms, to see a stop).
      Atomics.wait(this.ctl, HEAD, head, 50);
    }
  }

  /** Consumer: the chunks put so far, oldest first, stopping once `maxBytes` are taken. */
  take(maxBytes = Infinity): Buffer[] {
    const out: Buffer[] = [];
    let head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    let bytes = 0;
    while (head !== tail && bytes < maxBytes) {
      const len = this.lengthAt(head);
      out.push(this.copyOut((head + LENGTH_BYTES) | 0, len));
      head = (head + LENGTH_BYTES + len) | 0;
      bytes += len;
    }
    if (out.length > 0) {
      Atomics.store(this.ctl, HEAD, head);
      Atomics.notify(this.ctl, HEAD);
    }
    return out;
  }

  /** Whether chunks are waiting to be taken. */
  get pending(): boolean {
    return Atomics.load(this.ctl, HEAD) !== Atomics.load(this.ctl, TAIL);
  }

  /** Producer: true when the consumer should be told of new data (once, until it calls woken()). */
  shouldWake(): boolean {
    return Atomics.compareExchange(this.ctl, WAKE, 0, 1) === 0;
  }

  /** Consumer: told; called before taking, so data put after it wakes it again. */
  woken(): void {
    Atomics.store(this.ctl, WAKE, 0);
  }

  get stopped(): boolean {
    return Atomics.load(this.ctl, STOP) !== 0;
  }

  /**
   * Consumer: asks the producer to end and waits up to `ms` for it to, taking
   * chunks meanwhile so a producer waiting for room can finish its put.
   * Returns every chunk taken; `ended` says whether the producer has ended.
   */
  stop(ms: number): { chunks: Buffer[]; ended: boolean } {
    Atomics.store(this.ctl, STOP, 1);
    const chunks: Buffer[] = [];
    const end = Date.now() + ms;
    while (Atomics.load(this.ctl, DONE) === 0 && Date.now() < end) {
      chunks.push(...this.take());
      Atomics.wait(this.ctl, DONE, 0, 10);
    }
    chunks.push(...this.take());
    return { chunks, ended: Atomics.load(this.ctl, DONE) !== 0 };
  }

  /** Producer: it has ended and will put nothing more. */
  done(): void {
    Atomics.store(this.ctl, DONE, 1);
    Atomics.notify(this.ctl, DONE);
  }
}
