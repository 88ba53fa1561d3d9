// The reader thread's ring: chunks come out as they went in, across the end
// of the buffer and across the wrap of its 32-bit positions; a full ring
// refuses nothing while it waits, and gives up only once stopped.
import { expect, test } from "bun:test";
import { ByteRing } from "../../src/linux/byte_ring.ts";

const chunk = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test("chunks come out in order across the buffer's end and the positions' wrap", () => {
  const ring = ByteRing.create(64);
  // Start just below 2^31, where Int32 positions turn negative.
  Atomics.store(ring.ctl, 0, 2 ** 31 - 30);
  Atomics.store(ring.ctl, 1, 2 ** 31 - 30);
  const seen: number[][] = [];
  for (let i = 0; i < 40; i++) {
    expect(ring.put(chunk(5 + (i % 7), i))).toBe(true);
    expect(ring.put(chunk(3, 200 + (i % 50)))).toBe(true);
    for (const c of ring.take()) seen.push([c.length, c[0]!]);
  }
  const want: number[][] = [];
  for (let i = 0; i < 40; i++) want.push([5 + (i % 7), i], [3, 200 + (i % 50)]);
  expect(seen).toEqual(want);
});

test("take(maxBytes) leaves the rest; a full ring's put gives up only once stopped", () => {
  const ring = ByteRing.create(32);
  expect(ring.put(chunk(10, 1))).toBe(true);
  expect(ring.put(chunk(10, 2))).toBe(true);
  expect(ring.take(5).map((c) => c[0])).toEqual([1]);
  expect(ring.put(chunk(10, 3))).toBe(true);
  const { chunks } = ring.stop(0);
  expect(chunks.map((c) => c[0])).toEqual([2, 3]);
  // Stopped, a chunk that fits still goes in; one that does not is given up at once.
  expect(ring.put(chunk(20, 4))).toBe(true);
  expect(ring.put(chunk(20, 5))).toBe(false);
  expect(() => ring.put(chunk(40, 6))).toThrow();
});
