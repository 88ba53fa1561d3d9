// The osquery family: tables about osq itself.
import type { Table } from "../../src/table.ts";
import osquery_events from "./osquery_events.ts";
import osquery_extensions from "./osquery_extensions.ts";
import osquery_flags from "./osquery_flags.ts";
import osquery_info from "./osquery_info.ts";
import osquery_packs from "./osquery_packs.ts";
import osquery_registry from "./osquery_registry.ts";
import osquery_schedule from "./osquery_schedule.ts";

export const tables: Table[] = [osquery_events, osquery_extensions, osquery_flags, osquery_info, osquery_packs, osquery_registry, osquery_schedule];
