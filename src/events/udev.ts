// The udev publisher (osquery's UdevEventPublisher): device events from the
// uevent netlink multicast. osquery reads systemd-udevd's group through
// libudev; where no udevd runs (containers, minimal hosts) osq reads the
// kernel's own group instead, and adds what the udev database holds for the
// device when there is one. The socket is non-blocking and drained from a
// timer, as the inotify publisher's descriptor is.
import { existsSync } from "node:fs";
import { KERNEL_GROUP, UDEV_GROUP, UeventSocket, type Uevent } from "../linux/uevent.ts";
import { linkName, readUdevRecord, udevId } from "../linux/udev.ts";
import { EventPublisher } from "./publisher.ts";

const POLL_MS = 50;
const UDEVD_CONTROL = "/run/udev/control";

export interface DeviceEvent {
  readonly action: string;
  readonly devpath: string;
  readonly subsystem: string;
  readonly devtype: string;
  /** /dev/<DEVNAME>, "" for a device without a node. */
  readonly devnode: string;
  readonly driver: string;
  readonly properties: ReadonlyMap<string, string>;
}

/** Which actions a subscription wants; "" for all. */
export interface DeviceSubscription {
  readonly action: string;
}

export function deviceEvent(ev: Uevent): DeviceEvent {
  const p = new Map(ev.properties);
  const subsystem = p.get("SUBSYSTEM") ?? "";
  const sysname = ev.devpath.slice(ev.devpath.lastIndexOf("/") + 1);
  // The kernel's message lacks what udev rules add: take it from udev's database where udevd keeps one.
  if (!p.has("ID_MODEL_FROM_DATABASE") && !p.has("ID_VENDOR_FROM_DATABASE")) {
    for (const [k, v] of readUdevRecord(udevId(p, subsystem, sysname))?.properties ?? []) if (!p.has(k)) p.set(k, v);
  }
  const devname = p.get("DEVNAME") ?? "";
  return {
    action: ev.action,
    devpath: ev.devpath,
    subsystem,
    devtype: p.get("DEVTYPE") ?? "",
    devnode: devname === "" ? "" : devname.startsWith("/") ? devname : `/dev/${devname}`,
    // libudev's udev_device_get_driver: the DRIVER property, else the sysfs driver link.
    driver: p.get("DRIVER") ?? (ev.action === "remove" ? "" : (linkName(`/sys${ev.devpath}/driver`) ?? "")),
    properties: p,
  };
}

export class UdevPublisher extends EventPublisher<DeviceEvent, DeviceSubscription> {
  readonly type = "udev";
  /** Times the socket's buffer overran (events lost). */
  overruns = 0;
  private socket: UeventSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  setUp(): string | null {
    const group = existsSync(UDEVD_CONTROL) ? UDEV_GROUP : KERNEL_GROUP;
    const opened = UeventSocket.open(group);
    if (typeof opened === "string") return `Could not create udev monitor: ${opened}`;
    this.socket = opened;
    this.log.verbose(`udev publisher reads the ${group === UDEV_GROUP ? "udevd" : "kernel"} uevent group`);
    return null;
  }

  configure(): void {}

  start(): void {
    const tick = () => {
      this.poll();
      if (this.socket) {
        this.timer = setTimeout(tick, POLL_MS);
        this.timer.unref?.();
      }
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }

  poll(): void {
    const socket = this.socket;
    if (!socket) return;
    let read;
    try {
      read = socket.read();
    } catch (e) {
      this.log.warning(`udev monitor read failed: ${(e as Error).message}`);
      return;
    }
    if (read === "overrun") {
      this.overruns++;
      this.log.warning(`udev monitor buffer overran: device events were lost (overruns: ${this.overruns})`);
      return;
    }
    for (const ev of read ?? []) this.fire(deviceEvent(ev));
  }

  protected override shouldFire(sub: DeviceSubscription, event: DeviceEvent): boolean {
    return sub.action === "" || sub.action === event.action;
  }
}
