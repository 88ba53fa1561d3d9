// kernel_modules: /proc/modules read by awk (when this kernel has modules), and a fixture.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import kernelModules, { parseModules } from "../../../tables/system/kernel_modules.ts";
import { generate, query } from "../../helpers.ts";

function awkModules(): string[] {
  if (!existsSync("/proc/modules")) return [];
  const prog = '{u = $4; sub(/,$/, "", u); print $1 "|" $2 "|" u "|" $5 "|" $6}';
  return Bun.spawnSync(["awk", prog, "/proc/modules"]).stdout.toString().split("\n").filter(Boolean);
}

describe("kernel_modules", () => {
  test("live: same modules as /proc/modules (none without module support)", async () => {
    const rows = await generate(kernelModules);
    expect(rows.map((r) => `${r.name}|${r.size}|${r.used_by}|${r.status}|${r.address}`)).toEqual(awkModules());
  });

  test("fixture: trailing commas dropped, short lines skipped", () => {
    const text = "ext4 1032192 2 - Live 0xffffffffc0a00000\nmbcache 16384 1 ext4, Live 0x0000000000000000\njbd2 196608 1 ext4,vfat, Loading 0xffffffffc09c0000 (O)\nbroken 1\n";
    expect(parseModules(text)).toEqual([
      { name: "ext4", size: "1032192", used_by: "-", status: "Live", address: "0xffffffffc0a00000" },
      { name: "mbcache", size: "16384", used_by: "ext4", status: "Live", address: "0x0000000000000000" },
      { name: "jbd2", size: "196608", used_by: "ext4,vfat", status: "Loading", address: "0xffffffffc09c0000" },
    ]);
  });

  test("end to end", () => {
    expect(query("SELECT name FROM kernel_modules").map((r) => r.name)).toEqual(awkModules().map((l) => l.split("|")[0]!));
  });
});
