// A /proc/mdstat and /sys/block/md* fixture shared by the md_* table tests.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MDSTAT = `Personalities : [raid1] [raid6] [raid5] [raid4] [linear]
md1 : active raid1 sdb2[1] sda2[0]
      976630464 blocks super 1.2 [2/2] [UU]
      [=>...................]  resync =  8.5% (83007744/976630464) finish=71.2min speed=209088K/sec
      bitmap: 7/8 pages [28KB], 65536KB chunk

md0 : active raid5 sdd1[3](F) sdc1[2] sdb1[1] sda1[0]
      1953260544 blocks super 1.2 level 5, 512k chunk, algorithm 2 [4/3] [UUU_]

unused devices: <none>
`;

/** Writes the fixture; returns { mdstat, sysBlock } paths. */
export function writeMdFixture(): { dir: string; mdstat: string; sysBlock: string } {
  const dir = mkdtempSync(join(tmpdir(), "osq-md-"));
  const mdstat = join(dir, "mdstat");
  writeFileSync(mdstat, MDSTAT);
  const sysBlock = join(dir, "block");
  const array = (name: string, files: Record<string, string>, members: Record<string, { slot: string; state: string }>) => {
    const md = join(sysBlock, name, "md");
    mkdirSync(join(md, "bitmap"), { recursive: true });
    for (const [f, v] of Object.entries(files)) writeFileSync(join(md, f), `${v}\n`);
    for (const [dev, m] of Object.entries(members)) {
      mkdirSync(join(md, `dev-${dev}`));
      writeFileSync(join(md, `dev-${dev}`, "slot"), `${m.slot}\n`);
      writeFileSync(join(md, `dev-${dev}`, "state"), `${m.state}\n`);
      symlinkSync(`../../../../${dev.replace(/\d+$/, "")}/${dev}`, join(md, `dev-${dev}`, "block"));
    }
  };
  array("md1", { level: "raid1", chunk_size: "0", raid_disks: "2", array_state: "active", "bitmap/location": "+8", metadata_version: "1.2" }, {
    sda2: { slot: "0", state: "in_sync" },
    sdb2: { slot: "1", state: "in_sync,write_mostly" },
  });
  array("md0", { level: "raid5", chunk_size: "524288", raid_disks: "4", array_state: "clean", "bitmap/location": "none", metadata_version: "1.2" }, {
    sda1: { slot: "0", state: "in_sync" },
    sdb1: { slot: "1", state: "in_sync" },
    sdc1: { slot: "2", state: "in_sync" },
    sdd1: { slot: "none", state: "faulty" },
  });
  return { dir, mdstat, sysBlock };
}
