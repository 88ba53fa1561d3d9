// The evented tables: each reads the rows its subscriber (src/events/) stored.
import type { Table } from "../../src/table.ts";
import fileEvents from "./file_events.ts";
import hardwareEvents from "./hardware_events.ts";

export const tables: readonly Table[] = [fileEvents, hardwareEvents];
