// azure_instance_tags: this Azure VM's tags ("k:v;k2:v2" in IMDS), one row
// each. Off Azure (judged from local files) there are no rows and no traffic.
import { defineTable } from "../../src/table.ts";
import { AZURE_METADATA_BASE, azureInstanceTags } from "./azure.ts";
import { isAzureHost } from "./detect.ts";

export default defineTable({
  name: "azure_instance_tags",
  cacheable: true,
  columns: {
    vm_id: "TEXT",
    key: "TEXT",
    value: "TEXT",
  },
  generate: () => azureInstanceTags(AZURE_METADATA_BASE, isAzureHost()),
});
