// memory_map: /proc/iomem read by sed, every nesting level.
import { describe, expect, test } from "bun:test";
import memoryMap, { parseIomem } from "../../../tables/system/memory_map.ts";
import { generate, query } from "../../helpers.ts";

function sedIomem(): string[] {
  return Bun.spawnSync(["sed", "-n", "s/^ *\\([0-9a-f]*\\)-\\([0-9a-f]*\\) : \\(.*\\)$/0x\\1|0x\\2|\\3/p", "/proc/iomem"]).stdout.toString().split("\n").filter(Boolean);
}

describe("memory_map", () => {
  test("live: every region /proc/iomem lists", async () => {
    const rows = await generate(memoryMap);
    expect(rows.map((r) => `${r.start}|${r.end}|${r.name}`)).toEqual(sedIomem());
  });

  test("fixture", () => {
    expect(parseIomem("00000000-00000fff : Reserved\n  000a0000-000bffff : PCI Bus 0000:00\n")).toEqual([
      { name: "Reserved", start: "0x00000000", end: "0x00000fff" },
      { name: "PCI Bus 0000:00", start: "0x000a0000", end: "0x000bffff" },
    ]);
  });

  test("end to end", () => {
    expect(query("SELECT start FROM memory_map").map((r) => r.start)).toEqual(sedIomem().map((l) => l.split("|")[0]!));
  });
});
