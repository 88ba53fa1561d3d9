// The cloud family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import azure_instance_metadata from "./azure_instance_metadata.ts";
import azure_instance_tags from "./azure_instance_tags.ts";
import ec2_instance_metadata from "./ec2_instance_metadata.ts";
import ec2_instance_tags from "./ec2_instance_tags.ts";
import ycloud_instance_metadata from "./ycloud_instance_metadata.ts";

export const tables: Table[] = [
  azure_instance_metadata,
  azure_instance_tags,
  ec2_instance_metadata,
  ec2_instance_tags,
  ycloud_instance_metadata,
];
