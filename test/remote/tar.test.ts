// The carve archive writer checked by GNU tar: listing, exact bytes out, long
// names (ustar prefix and pax path), empty files and sizes off the 512-byte grid.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { TarWriter } from "../../src/remote/tar.ts";
import { tool } from "../tools.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-tar-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gnuTar(args: string[]): Buffer {
  const r = Bun.spawnSync([tool("tar", "tar"), ...args], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tar ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

test("GNU tar lists every entry with its size, mode and time, and gives back each file's exact bytes", async () => {
  const files: Record<string, Buffer> = {
    "a.bin": randomBytes(70_001),
    "empty": Buffer.alloc(0),
    "exact": randomBytes(1024),
    "text.txt": Buffer.from("hello carve\n"),
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  chmodSync(join(dir, "text.txt"), 0o640);
  utimesSync(join(dir, "text.txt"), 1_600_000_000, 1_600_000_000);
  const archive = join(dir, "out.tar");
  const tar = await TarWriter.create(archive);
  for (const name of Object.keys(files)) {
    const r = await tar.addFile(`carved/${name}`, join(dir, name));
    expect(r.ok).toBe(true);
  }
  await tar.close();
  expect(statSync(archive).size % 512).toBe(0);

  const listing = gnuTar(["--utc", "-tvf", archive]).toString().trim().split("\n");
  expect(listing.map((l) => l.split(/\s+/).at(-1))).toEqual(Object.keys(files).map((n) => `carved/${n}`));
  const text = listing.find((l) => l.endsWith("carved/text.txt"))!;
  expect(text.startsWith("-rw-r-----")).toBe(true);
  expect(text).toContain(" 12 2020-09-13 12:26 ");
  for (const [name, data] of Object.entries(files)) {
    expect(gnuTar(["-xOf", archive, `carved/${name}`]).equals(data)).toBe(true);
  }
});

test("names past 100 bytes survive: split into ustar's prefix, or a pax path record when no split fits", async () => {
  const data = Buffer.from("deep\n");
  const src = join(dir, "deep.txt");
  writeFileSync(src, data);
  const splittable = `${"d".repeat(120)}/${"f".repeat(90)}`;
  const unsplittable = `x/${"g".repeat(180)}`;
  const archive = join(dir, "long.tar");
  const tar = await TarWriter.create(archive);
  expect((await tar.addFile(splittable, src)).ok).toBe(true);
  expect((await tar.addFile(unsplittable, src)).ok).toBe(true);
  await tar.close();
  expect(gnuTar(["-tf", archive]).toString().trim().split("\n")).toEqual([splittable, unsplittable]);
  expect(gnuTar(["-xOf", archive, splittable]).equals(data)).toBe(true);
  expect(gnuTar(["-xOf", archive, unsplittable]).equals(data)).toBe(true);
});

test("a missing path, a directory or a FIFO is refused without writing anything", async () => {
  const archive = join(dir, "refused.tar");
  const tar = await TarWriter.create(archive);
  const fifo = join(dir, "fifo");
  Bun.spawnSync(["mkfifo", fifo]);
  for (const src of [join(dir, "nope"), dir, fifo]) {
    const r = await tar.addFile("x", src);
    expect(r.ok).toBe(false);
  }
  expect(tar.broken).toBe(false);
  await tar.close();
  expect(readFileSync(archive).equals(Buffer.alloc(1024))).toBe(true);
  expect(gnuTar(["-tf", archive]).toString()).toBe("");
});
