// The lxd family: LXD's REST API over its Unix socket (src/linux/lxd.ts).
import type { Table } from "../../src/table.ts";
import lxd_certificates from "./lxd_certificates.ts";
import lxd_cluster from "./lxd_cluster.ts";
import lxd_cluster_members from "./lxd_cluster_members.ts";
import lxd_images from "./lxd_images.ts";
import lxd_instance_config from "./lxd_instance_config.ts";
import lxd_instance_devices from "./lxd_instance_devices.ts";
import lxd_instances from "./lxd_instances.ts";
import lxd_networks from "./lxd_networks.ts";
import lxd_storage_pools from "./lxd_storage_pools.ts";

export const tables: Table[] = [
  lxd_certificates,
  lxd_cluster,
  lxd_cluster_members,
  lxd_images,
  lxd_instance_config,
  lxd_instance_devices,
  lxd_instances,
  lxd_networks,
  lxd_storage_pools,
];
