// md_devices: the mdstat + sysfs fixture, and the live table vs /proc/mdstat.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import mdDevices, { mdDeviceRows } from "../../../tables/system/md_devices.ts";
import { parseMdStat } from "../../../tables/system/mdstat.ts";
import { osquerySplit } from "../../../src/linux/split.ts";
import { generate, query } from "../../helpers.ts";
import { MDSTAT, writeMdFixture } from "./md_tables.fixture.ts";

const fx = writeMdFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe("md_devices", () => {
  test("fixture: mdstat fields and sysfs counters", () => {
    const rows = mdDeviceRows(fx.mdstat, fx.sysBlock);
    expect(rows.map((r) => r.device_name)).toEqual(["md1", "md0"]);
    expect(rows[0]).toEqual({
      device_name: "md1", status: "active", raid_level: 1, size: "976630464", chunk_size: 0, raid_disks: 2, nr_raid_disks: 2,
      working_disks: 2, active_disks: 2, failed_disks: 0, spare_disks: 0, superblock_state: "bitmap_present", superblock_version: "1.2",
      other: "super 1.2", unused_devices: "<none>",
      resync_progress: "8.5% (83007744/976630464)", resync_finish: "71.2min", resync_speed: "209088K/sec",
      bitmap_on_mem: "7/8 pages [28KB]", bitmap_chunk_size: "65536KB chunk", bitmap_external_file: "",
    });
    expect(rows[1]).toMatchObject({
      raid_level: 5, chunk_size: 524288, raid_disks: 4, nr_raid_disks: 4, working_disks: 3, active_disks: 3, failed_disks: 1,
      spare_disks: 0, superblock_state: "clean", other: "super 1.2 level 5, 512k chunk, algorithm 2",
    });
  });

  test("parser: personalities, drives and unused devices", () => {
    const stat = parseMdStat(osquerySplit(MDSTAT, "\n"));
    expect(stat.personalities).toEqual(["raid1", "raid6", "raid5", "raid4", "linear"]);
    expect(stat.devices[1]!.drives.map((d) => d.pos)).toEqual([3, 2, 1, 0]);
    expect(stat.unused).toBe("<none>");
  });

  test("live: one row per array in /proc/mdstat (none without md)", async () => {
    const arrays = existsSync("/proc/mdstat")
      ? Bun.spawnSync(["awk", "/^md/ {print $1}", "/proc/mdstat"]).stdout.toString().split("\n").filter(Boolean)
      : [];
    expect((await generate(mdDevices)).map((r) => r.device_name)).toEqual(arrays);
    expect(query("SELECT device_name FROM md_devices").map((r) => r.device_name)).toEqual(arrays);
  });
});
