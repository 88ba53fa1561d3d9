// ec2_instance_tags: the tags of this EC2 instance (EC2 DescribeTags, signed
// with credentials from the environment, ~/.aws/credentials or the instance
// profile). Off EC2 (judged from local files) there are no rows and no traffic.
import { defineTable } from "../../src/table.ts";
import { isEc2Host } from "./detect.ts";
import { EC2_METADATA_BASE, ec2InstanceTags } from "./ec2.ts";

export default defineTable({
  name: "ec2_instance_tags",
  cacheable: true,
  columns: {
    instance_id: "TEXT",
    key: "TEXT",
    value: "TEXT",
  },
  generate: () => ec2InstanceTags(EC2_METADATA_BASE, isEc2Host()),
});
