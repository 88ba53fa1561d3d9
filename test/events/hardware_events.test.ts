// hardware_events end to end: the compiled osqueryd reads the kernel's uevent
// multicast; the test makes the kernel send events by writing to sysfs uevent
// files (as root), which re-announces a device without changing it.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { EventDaemon } from "./daemon.ts";

let d: EventDaemon;

beforeEach(() => {
  d = new EventDaemon();
});

afterEach(async () => {
  await d.cleanup();
});

const LO = "/sys/class/net/lo/uevent";
const LOOP = "/sys/block/loop0/uevent";

function trigger(path: string, action: string): void {
  if (process.getuid?.() !== 0) throw new Error(`writing ${path} needs root: run the hardware_events tests as root`);
  if (!existsSync(path)) throw new Error(`${path} is missing: this machine has no such device to re-announce`);
  writeFileSync(path, action);
}

test("a uevent the kernel sends reaches the udev publisher; a block device's becomes a hardware_events row", async () => {
  d.config({
    schedule: {
      hw: { query: "SELECT action, path, type, driver, model, vendor, time FROM hardware_events", interval: 1 },
      ev: { query: "SELECT name, type, events, active, subscriptions FROM osquery_events WHERE publisher = 'udev'", interval: 1, snapshot: true },
    },
  });
  const p = d.start();
  await d.started("udev");
  const before = Math.floor(Date.now() / 1000);
  trigger(LO, "add");
  trigger(LOOP, "change");
  const devname = readFileSync(LOOP, "utf8").match(/^DEVNAME=(.*)$/m)?.[1];
  expect(devname).toBe("loop0");
  const counted = await d
    .waitFor("the udev publisher to count the two uevents", () =>
      d.lines("osqueryd.snapshots.log").map((l) => l.snapshot!).find((s) => Number(s.find((r) => r.name === "udev")?.events ?? 0) >= 2),
    )
    .catch((e: Error) => {
      throw new Error(`the kernel sent no uevent to osqueryd's NETLINK_KOBJECT_UEVENT socket after writing ${LO} and ${LOOP}: ${e.message}`);
    });
  expect(counted.find((r) => r.name === "udev")).toMatchObject({ type: "publisher", active: "1", subscriptions: "1" });
  const rows = await d.waitFor("the loop0 row", () => (d.rows("hw").some((r) => r.path === "/dev/loop0") ? d.rows("hw") : null));
  const row = rows.find((r) => r.path === "/dev/loop0")!;
  expect(row).toMatchObject({ action: "change", type: "disk", path: "/dev/loop0" });
  expect(Number(row.time)).toBeGreaterThanOrEqual(before);
  // lo's uevent has no DEVTYPE: osquery drops such events ("superfluous"), so does osq.
  expect(rows.filter((r) => r.path === "" || r.type === "")).toEqual([]);
  expect(await d.stop(p)).toBe(0);
}, 30_000);

test("--hardware_disabled_types drops the listed types", async () => {
  d.config({ schedule: { hw: { query: "SELECT action, path, type FROM hardware_events", interval: 1 } } });
  const p = d.start(["--hardware_disabled_types=partition,disk"]);
  await d.started("udev");
  trigger(LOOP, "change");
  await d.waitFor("a scheduled run after the event", () => d.lastStderr().split("Executing scheduled query hw").length > 3);
  expect(d.rows("hw")).toEqual([]);
  expect(await d.stop(p)).toBe(0);
}, 30_000);
