import { defineTable } from "../../src/table.ts";
import { flags } from "../../src/flags/flags.ts";
import { OSQUERY_VERSION, SDK_VERSION } from "../../src/version.ts";
import { registeredExtensions } from "../../src/extensions/plugins.ts";

// Extensions registered with the manager; core itself is listed as uuid 0.

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
    // With extensions disabled osquery's getExtensions fails and the table is
    // empty (osquery/extensions/extensions.cpp).
    if (flags.bool("disable_extensions")) return [];
    const socket = flags.get("extensions_socket");
    return [
      // Core's "0.0.0" is its min_sdk_version; the sdk_version column is the SDK itself.
      { uuid: 0, name: "core", version: OSQUERY_VERSION, sdk_version: SDK_VERSION, path: socket, type: "core" },
      ...registeredExtensions().map((e) => ({
        uuid: e.uuid,
        name: e.name,
        version: e.version,
        sdk_version: e.sdkVersion,
        path: e.path,
        type: "extension",
      })),
    ];
  },
});
