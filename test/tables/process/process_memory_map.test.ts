// process_memory_map: a child's mappings against pmap, plus the parser on a fixture.
import { describe, expect, test } from "bun:test";
import processMemoryMap, { parseMaps } from "../../../tables/process/process_memory_map.ts";
import { generate, query } from "../../helpers.ts";

describe("process_memory_map", () => {
  test("generator: same start addresses and files as pmap, [stack] is pseudo", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    try {
      await Bun.sleep(100);
      const rows = await generate(processMemoryMap, { pid: [["=", String(child.pid)]] });
      // pmap -q prints "address kbytes perms mapping" per mapping, address without 0x.
      const pmap = Bun.spawnSync(["pmap", "-q", String(child.pid)]).stdout.toString().trim().split("\n").slice(1);
      const starts = pmap.map((l) => Number.parseInt(l.trim().split(/\s+/)[0] ?? "", 16)).filter((n) => !Number.isNaN(n));
      expect(rows.map((r) => Number.parseInt(String(r.start), 16))).toEqual(starts);
      const sleepPath = Bun.spawnSync(["readlink", "-f", Bun.which("sleep") ?? ""]).stdout.toString().trim();
      expect(rows.some((r) => r.path === sleepPath && r.pseudo === 0 && r.inode !== "0")).toBe(true);
      expect(rows.find((r) => r.path === "[stack]")?.pseudo).toBe(1);
      for (const r of rows) expect(String(r.start)).toMatch(/^0x[0-9a-f]+$/);
    } finally {
      child.kill();
    }
  });

  test("parser: offsets in hex, pseudo mappings, paths cut at spaces like osquery", () => {
    const text = [
      "55d0c0a00000-55d0c0a02000 r--p 00001000 08:01 1234   /usr/bin/sleep",
      "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]",
      "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 ",
      "7f0000002000-7f0000003000 r--p 00000000 08:01 99   /tmp/gone (deleted)",
      "bad line",
    ].join("\n");
    expect(parseMaps(text)).toEqual([
      { start: "0x55d0c0a00000", end: "0x55d0c0a02000", permissions: "r--p", offset: 4096, device: "08:01", inode: "1234", path: "/usr/bin/sleep", pseudo: 0 },
      { start: "0x7ffd1000", end: "0x7ffd2000", permissions: "rw-p", offset: 0, device: "00:00", inode: "0", path: "[stack]", pseudo: 1 },
      { start: "0x7f0000000000", end: "0x7f0000001000", permissions: "r-xp", offset: 0, device: "00:00", inode: "0", path: "", pseudo: 0 },
      { start: "0x7f0000002000", end: "0x7f0000003000", permissions: "r--p", offset: 0, device: "08:01", inode: "99", path: "/tmp/gone", pseudo: 0 },
    ]);
  });

  test("end to end", () => {
    const rows = query(`SELECT path, pseudo FROM process_memory_map WHERE pid = ${process.pid} AND path = '[stack]'`);
    expect(rows).toEqual([{ path: "[stack]", pseudo: "1" }]);
  });
});
