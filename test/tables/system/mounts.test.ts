// mounts: /proc/mounts parsed here by other means, statfs figures against stat -f.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import mounts, { parseMounts } from "../../../tables/system/mounts.ts";
import { generate, query } from "../../helpers.ts";

function procMounts(): string[][] {
  return readFileSync("/proc/mounts", "utf8").trim().split("\n").map((l) =>
    l.split(" ").slice(0, 4).map((f) => f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))),
  );
}

describe("mounts", () => {
  test("live: one row per /proc/mounts line, same device/path/type/flags", async () => {
    const rows = await generate(mounts);
    expect(rows.map((r) => [r.device, r.path, r.type, r.flags])).toEqual(procMounts());
  });

  test("statfs figures of / match stat -f", async () => {
    const rows = await generate(mounts);
    const root = rows.filter((r) => r.path === "/").at(-1)!;
    const [bsize, blocks, total] = Bun.spawnSync(["stat", "-f", "-c", "%S %b %c", "/"]).stdout.toString().trim().split(" ");
    expect(String(root.blocks_size)).toBe(bsize!);
    expect(String(root.blocks)).toBe(blocks!);
    expect(String(root.inodes)).toBe(total!);
  });

  test("fixture: getmntent escapes and comments", () => {
    expect(parseMounts("# x\n/dev/sda1 /mnt/with\\040space ext4 rw 0 0\n")).toEqual([
      { device: "/dev/sda1", path: "/mnt/with space", type: "ext4", flags: "rw" },
    ]);
  });

  test("end to end", () => {
    expect(query("SELECT path FROM mounts").map((r) => r.path)).toEqual(procMounts().map((m) => m[1]!));
  });
});
