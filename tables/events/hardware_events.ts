// hardware_events: device events from the udev publisher (src/events/hardware_events.ts stores the rows).
import { eventTable } from "../../src/events/read.ts";

export default eventTable({
  name: "hardware_events",
  publisher: "udev",
  columns: {
    action: "TEXT",
    path: "TEXT",
    type: "TEXT",
    driver: "TEXT",
    vendor: "TEXT",
    vendor_id: "TEXT collate=nocase",
    model: "TEXT",
    model_id: "TEXT collate=nocase",
    serial: "TEXT",
    revision: "TEXT",
    time: "BIGINT additional",
    eid: "TEXT hidden",
  },
});
