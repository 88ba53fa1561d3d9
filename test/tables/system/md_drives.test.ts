// md_drives: the mdstat + sysfs fixture (slots, states, a failed drive), and the live table.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import mdDrives, { mdDriveRows } from "../../../tables/system/md_drives.ts";
import { generate, query } from "../../helpers.ts";
import { writeMdFixture } from "./md_tables.fixture.ts";

const fx = writeMdFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe("md_drives", () => {
  test("fixture: drives by slot; the slotless faulty drive takes the empty slot", () => {
    expect(mdDriveRows(fx.mdstat, fx.sysBlock)).toEqual([
      { md_device_name: "md1", drive_name: "/dev/sda2", state: "active sync", slot: 0 },
      { md_device_name: "md1", drive_name: "/dev/sdb2", state: "active sync writemostly", slot: 1 },
      { md_device_name: "md0", drive_name: "/dev/sda1", state: "active sync", slot: 0 },
      { md_device_name: "md0", drive_name: "/dev/sdb1", state: "active sync", slot: 1 },
      { md_device_name: "md0", drive_name: "/dev/sdc1", state: "active sync", slot: 2 },
      { md_device_name: "md0", drive_name: "/dev/sdd1", state: "faulty", slot: 3 },
    ]);
  });

  test("live and e2e: one drive per member /proc/mdstat lists (none without arrays)", async () => {
    // The members are the name[slot] words on each "mdN : ..." line, read by grep.
    const members = existsSync("/proc/mdstat")
      ? Bun.spawnSync(["sh", "-c", "grep '^md' /proc/mdstat | grep -o '[^ ]*\\[[0-9]*\\]' || true"]).stdout.toString().split("\n").filter(Boolean).length
      : 0;
    expect((await generate(mdDrives)).length).toBe(members);
    expect(query("SELECT count(*) AS n FROM md_drives")).toEqual([{ n: String(members) }]);
  });
});
