// ec2_instance_metadata: this EC2 instance's identity and network metadata
// from the instance metadata service. Hosts that local files do not show to
// be EC2 instances return no rows without any network traffic.
import { defineTable } from "../../src/table.ts";
import { isEc2Host } from "./detect.ts";
import { EC2_METADATA_BASE, ec2InstanceMetadata } from "./ec2.ts";

export default defineTable({
  name: "ec2_instance_metadata",
  cacheable: true,
  columns: {
    instance_id: "TEXT",
    instance_type: "TEXT",
    architecture: "TEXT",
    region: "TEXT",
    availability_zone: "TEXT",
    local_hostname: "TEXT",
    local_ipv4: "TEXT",
    mac: "TEXT collate=nocase",
    security_groups: "TEXT",
    iam_arn: "TEXT",
    ami_id: "TEXT",
    reservation_id: "TEXT",
    account_id: "TEXT",
    ssh_public_key: "TEXT",
  },
  generate: () => ec2InstanceMetadata(EC2_METADATA_BASE, isEc2Host()),
});
