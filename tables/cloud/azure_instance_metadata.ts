// azure_instance_metadata: this Azure VM's compute metadata from IMDS. Hosts
// that local files do not show to be Azure VMs return no rows, sending nothing.
import { defineTable } from "../../src/table.ts";
import { AZURE_METADATA_BASE, azureInstanceMetadata } from "./azure.ts";
import { isAzureHost } from "./detect.ts";

export default defineTable({
  name: "azure_instance_metadata",
  cacheable: true,
  columns: {
    location: "TEXT",
    name: "TEXT",
    offer: "TEXT",
    publisher: "TEXT",
    sku: "TEXT",
    version: "TEXT",
    os_type: "TEXT",
    platform_update_domain: "TEXT",
    platform_fault_domain: "TEXT",
    vm_id: "TEXT index",
    vm_size: "TEXT",
    subscription_id: "TEXT",
    resource_group_name: "TEXT",
    placement_group_id: "TEXT",
    vm_scale_set_name: "TEXT",
    zone: "TEXT",
  },
  generate: () => azureInstanceMetadata(AZURE_METADATA_BASE, isAzureHost()),
});
