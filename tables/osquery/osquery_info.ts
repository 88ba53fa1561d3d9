import { defineTable } from "../../src/table.ts";
import { hostUuid, runtime } from "../../src/runtime.ts";
import { OSQUERY_VERSION } from "../../src/version.ts";

/** osquery's PlatformType bits for Linux: POSIX (0x01) | LINUX (0x08). */
const LINUX_PLATFORM_MASK = 9;

export default defineTable({
  name: "osquery_info",
  utility: true,
  columns: {
    pid: "INTEGER",
    uuid: "TEXT collate=nocase",
    instance_id: "TEXT",
    version: "TEXT collate=version",
    config_hash: "TEXT collate=nocase",
    config_valid: "INTEGER",
    extensions: "TEXT",
    build_platform: "TEXT",
    build_distro: "TEXT",
    start_time: "INTEGER",
    watcher: "INTEGER",
    platform_mask: "INTEGER",
  },
  generate() {
    return [
      {
        pid: process.pid,
        uuid: hostUuid(),
        instance_id: runtime.instanceId,
        version: OSQUERY_VERSION,
        config_hash: runtime.configHash,
        config_valid: runtime.configValid ? 1 : 0,
        extensions: runtime.extensionsActive ? "active" : "inactive",
        build_platform: "linux",
        // osquery puts its build host's distribution here (OSQUERY_BUILD_DISTRO);
        // osq is built by Bun for any distribution, so it names itself.
        build_distro: "osq",
        start_time: runtime.startTime,
        watcher: runtime.watcherPid,
        platform_mask: LINUX_PLATFORM_MASK,
      },
    ];
  },
});
