// md_personalities: /proc/mdstat's personality line read by sed, and the fixture.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import mdPersonalities from "../../../tables/system/md_personalities.ts";
import { readMdStat } from "../../../tables/system/mdstat.ts";
import { generate, query } from "../../helpers.ts";
import { writeMdFixture } from "./md_tables.fixture.ts";

const fx = writeMdFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

function sedPersonalities(): string[] {
  if (!existsSync("/proc/mdstat")) return [];
  return Bun.spawnSync(["sh", "-c", "sed -n '1s/^Personalities : //p' /proc/mdstat | grep -o '\\[[^]]*\\]' | tr -d '[]'"]).stdout.toString().split("\n").filter(Boolean);
}

describe("md_personalities", () => {
  test("fixture", () => {
    expect(readMdStat(fx.mdstat).personalities).toEqual(["raid1", "raid6", "raid5", "raid4", "linear"]);
  });

  test("live and end to end: no rows without the md driver", async () => {
    expect((await generate(mdPersonalities)).map((r) => r.name)).toEqual(sedPersonalities());
    expect(query("SELECT name FROM md_personalities").map((r) => r.name)).toEqual(sedPersonalities());
  });
});
