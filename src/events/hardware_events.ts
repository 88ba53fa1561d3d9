// The hardware_events subscriber (osquery's HardwareEventSubscriber): every
// device event with a type and a node or driver, minus the types in
// --hardware_disabled_types (a substring test, as osquery's), and minus those
// with neither a node nor a model.
import { flags } from "../flags/flags.ts";
import { EventSubscriber } from "./subscriber.ts";
import type { EventPublisher } from "./publisher.ts";
import type { DeviceEvent, DeviceSubscription } from "./udev.ts";

export class HardwareEventSubscriber extends EventSubscriber<DeviceEvent, DeviceSubscription> {
  readonly name = "hardware_events";
  readonly publisherType = "udev";

  init(publisher: EventPublisher<DeviceEvent, DeviceSubscription>): void {
    publisher.subscribe({ subscriber: this.name, context: { action: "" }, callback: (e) => this.callback(e) });
  }

  private callback(ev: DeviceEvent): void {
    if (ev.devtype === "" || (ev.devnode === "" && ev.driver === "")) return;
    if (flags.get("hardware_disabled_types").includes(ev.devtype)) return;
    const prop = (k: string) => ev.properties.get(k) ?? "";
    const model = prop("ID_MODEL_FROM_DATABASE");
    if (ev.devnode === "" && model === "") return;
    this.add({
      action: ev.action,
      path: ev.devnode,
      type: ev.devtype,
      driver: ev.driver,
      vendor: prop("ID_VENDOR_FROM_DATABASE"),
      vendor_id: prop("ID_VENDOR_ID"),
      model,
      model_id: prop("ID_MODEL_ID"),
      serial: prop("ID_SERIAL_SHORT"),
      revision: prop("ID_REVISION"),
    });
  }
}
