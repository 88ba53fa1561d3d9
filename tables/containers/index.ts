// The containers family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import docker_container_envs from "./docker_container_envs.ts";
import docker_container_fs_changes from "./docker_container_fs_changes.ts";
import docker_container_labels from "./docker_container_labels.ts";
import docker_container_mounts from "./docker_container_mounts.ts";
import docker_container_networks from "./docker_container_networks.ts";
import docker_container_ports from "./docker_container_ports.ts";
import docker_container_processes from "./docker_container_processes.ts";
import docker_container_stats from "./docker_container_stats.ts";
import docker_containers from "./docker_containers.ts";
import docker_image_history from "./docker_image_history.ts";
import docker_image_labels from "./docker_image_labels.ts";
import docker_image_layers from "./docker_image_layers.ts";
import docker_images from "./docker_images.ts";
import docker_info from "./docker_info.ts";
import docker_network_labels from "./docker_network_labels.ts";
import docker_networks from "./docker_networks.ts";
import docker_version from "./docker_version.ts";
import docker_volume_labels from "./docker_volume_labels.ts";
import docker_volumes from "./docker_volumes.ts";

export const tables: Table[] = [
  docker_container_envs,
  docker_container_fs_changes,
  docker_container_labels,
  docker_container_mounts,
  docker_container_networks,
  docker_container_ports,
  docker_container_processes,
  docker_container_stats,
  docker_containers,
  docker_image_history,
  docker_image_labels,
  docker_image_layers,
  docker_images,
  docker_info,
  docker_network_labels,
  docker_networks,
  docker_version,
  docker_volume_labels,
  docker_volumes,
];
