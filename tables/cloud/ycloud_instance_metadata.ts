// ycloud_instance_metadata: this Yandex Cloud VM's identity from the instance
// metadata service. `WHERE metadata_endpoint = '...'` asks that endpoint
// instead (as in osquery); otherwise the default service is asked only on
// hosts whose local DMI data shows Yandex Cloud, so others send no packet.
import { defineTable } from "../../src/table.ts";
import { isYandexCloudHost } from "./detect.ts";
import { yCloudInstanceMetadata } from "./ycloud.ts";

export default defineTable({
  name: "ycloud_instance_metadata",
  cacheable: true,
  columns: {
    instance_id: "TEXT index",
    folder_id: "TEXT",
    cloud_id: "TEXT",
    name: "TEXT",
    description: "TEXT",
    hostname: "TEXT",
    zone: "TEXT",
    ssh_public_key: "TEXT",
    serial_port_enabled: "TEXT",
    metadata_endpoint: "TEXT index",
  },
  generate: (ctx) => {
    const endpoints = ctx.equals("metadata_endpoint");
    return yCloudInstanceMetadata(endpoints, endpoints.length === 0 && isYandexCloudHost());
  },
});
