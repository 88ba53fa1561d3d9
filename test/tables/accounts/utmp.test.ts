// parseUtmp against records laid out by hand (offsets from glibc's
// <bits/utmp.h>), cross-checked with util-linux utmpdump on the same bytes.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseUtmp, UTMP_SIZE } from "../../../src/linux/utmp.ts";
import { run } from "./fixtures.ts";
import { FIXTURE, utmpFile } from "./utmp_fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-utmp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseUtmp", () => {
  test("decodes every field of hand-built records", () => {
    expect(UTMP_SIZE).toBe(384);
    const recs = parseUtmp(utmpFile(FIXTURE));
    expect(recs).toHaveLength(FIXTURE.length);
    FIXTURE.forEach((f, i) => {
      const r = recs[i]!;
      expect([r.type, r.pid, r.line, r.id, r.user, r.host, r.session, r.tv_sec, r.tv_usec]).toEqual([
        f.type, f.pid, f.line, f.id, f.user, f.host, f.session ?? 0, f.sec, f.usec,
      ]);
      expect(r.exit).toEqual({ termination: f.termination ?? 0, exit: f.exit ?? 0 });
    });
    expect(recs[3]!.addr_v6).toBe("10.0.0.5");
    expect(recs[4]!.addr_v6).toBe("fe80:0:0:0:0:0:0:1");
    expect(recs[0]!.addr_v6).toBe("");
  });

  test("a trailing partial record is ignored; garbage-free empty input gives nothing", () => {
    const buf = utmpFile(FIXTURE.slice(0, 2));
    const partial = new Uint8Array(buf.length + 100);
    partial.set(buf);
    expect(parseUtmp(partial)).toHaveLength(2);
    expect(parseUtmp(new Uint8Array(0))).toEqual([]);
    // A view into a larger buffer (byteOffset != 0) decodes the same.
    const padded = new Uint8Array(buf.length + 8);
    padded.set(buf, 8);
    expect(parseUtmp(padded.subarray(8))).toEqual(parseUtmp(buf));
  });

  test("agrees with utmpdump on the same file", () => {
    const file = join(dir, "wtmp");
    writeFileSync(file, utmpFile(FIXTURE));
    const dump = run(["utmpdump", file]).stdout.split("\n").filter((l) => l.startsWith("["));
    expect(dump).toHaveLength(FIXTURE.length);
    const recs = parseUtmp(utmpFile(FIXTURE));
    dump.forEach((line, i) => {
      const f = [...line.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!.trimEnd());
      const r = recs[i]!;
      // [type] [pid] [id] [user] [line] [host] [addr] [time]
      expect(Number(f[0])).toBe(r.type);
      expect(Number(f[1])).toBe(r.pid);
      expect(f[2]).toBe(r.id);
      expect(f[3]).toBe(r.user);
      expect(f[4]).toBe(r.line);
      expect(f[5]).toBe(r.host);
      const [, secs, usec] = /^(.*),(\d{6})/.exec(f[7]!)!;
      expect(Date.parse(`${secs}Z`.replace("+00:00Z", "Z")) / 1000).toBe(r.tv_sec);
      expect(Number(usec)).toBe(r.tv_usec);
    });
  });
});
