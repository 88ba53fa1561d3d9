import { defineTable } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { OSQUERY_VERSION, SDK_VERSION } from "../../src/version.ts";

/** Extensions registered with the manager; core itself is listed as uuid 0. */
export interface ExtensionInfo {
  readonly uuid: number;
  readonly name: string;
  readonly version: string;
  readonly sdkVersion: string;
  readonly path: string;
}

export const registeredExtensions = new Map<number, ExtensionInfo>();

export default defineTable({
  name: "osquery_extensions",
  utility: true,
  columns: {
    uuid: "BIGINT",
    name: "TEXT",
    version: "TEXT collate=version",
    sdk_version: "TEXT collate=version",
    path: "TEXT",
    type: "TEXT",
  },
  generate() {
    const socket = flags.get("extensions_socket");
    return [
      { uuid: 0, name: "core", version: OSQUERY_VERSION, sdk_version: "0.0.0", path: socket, type: "core" },
      ...[...registeredExtensions.values()].map((e) => ({
        uuid: e.uuid,
        name: e.name,
        version: e.version,
        sdk_version: e.sdkVersion || SDK_VERSION,
        path: `${socket}.${e.uuid}`,
        type: "extension",
      })),
    ];
  },
});
