// docker_containers: every container (running or not) with the details of
// its inspect record and, on Linux, the namespaces of its init process.
import { readlinkSync } from "node:fs";
import { dockerApi, dockerSocketPath, flag, joined, list, namespaceInode, num, text, type DockerJson } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { containerId, listContainers, mapLimit } from "./common.ts";
import { logUnreadable } from "../../src/linux/fs.ts";

export default defineTable({
  name: "docker_containers",
  columns: {
    id: "TEXT index collate=nocase",
    name: "TEXT index",
    image: "TEXT",
    image_id: "TEXT collate=nocase",
    command: "TEXT",
    created: "BIGINT",
    state: "TEXT",
    status: "TEXT",
    pid: "BIGINT",
    path: "TEXT",
    config_entrypoint: "TEXT",
    started_at: "TEXT",
    finished_at: "TEXT",
    privileged: "INTEGER",
    security_options: "TEXT",
    env_variables: "TEXT",
    readonly_rootfs: "INTEGER",
    cgroup_namespace: "TEXT",
    ipc_namespace: "TEXT",
    mnt_namespace: "TEXT",
    net_namespace: "TEXT",
    pid_namespace: "TEXT",
    user_namespace: "TEXT",
    uts_namespace: "TEXT",
  },
  generate: (ctx) => dockerContainersRows(ctx),
});

const NAMESPACES = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] as const;

/** Namespace inode numbers of a process, by osquery column name. */
export function processNamespaces(pid: number, procRoot = "/proc"): Row {
  const row: Row = {};
  for (const ns of NAMESPACES) {
    let link: string | null = null;
    try {
      link = readlinkSync(`${procRoot}/${pid}/ns/${ns}`);
    } catch (e) {
      logUnreadable("docker_containers.ts", `${procRoot}/${pid}/ns/${ns}`, e);
      // process gone, or not ours to inspect
    }
    const inode = namespaceInode(link);
    if (inode !== undefined) row[`${ns}_namespace`] = inode;
  }
  return row;
}

function firstName(container: DockerJson): string {
  const first = list(container, "Names")[0];
  return typeof first === "string" ? first : "";
}

export async function dockerContainersRows(ctx: QueryContext, socket = dockerSocketPath(), procRoot = "/proc"): Promise<Row[]> {
  const listed = await listContainers(ctx, socket);
  if (!listed) return [];
  return mapLimit(listed.items, 8, async (c) => {
    const row: Row = {
      id: containerId(c, listed.ids),
      // The first name, with Docker's leading slash (as osquery shows it).
      name: firstName(c),
      image_id: text(c, "ImageID").replace(/^sha256:/, ""),
      image: text(c, "Image"),
      command: text(c, "Command"),
      created: num(c, "Created"),
      state: text(c, "State"),
      status: text(c, "Status"),
    };
    const details = await dockerApi(`/containers/${row.id}/json?stream=false`, socket);
    if (details !== undefined) {
      row.pid = num(details, "State.Pid", -1);
      row.started_at = text(details, "State.StartedAt");
      // Docker's zero time for a running container: osquery shows "" instead.
      row.finished_at = row.state !== "running" ? text(details, "State.FinishedAt") : "";
      row.privileged = flag(details, "HostConfig.Privileged");
      row.readonly_rootfs = flag(details, "HostConfig.ReadonlyRootfs");
      row.path = text(details, "Path");
      row.config_entrypoint = joined(details, "Config.Entrypoint", ", ");
      row.security_options = joined(details, "HostConfig.SecurityOpt", ", ");
      row.env_variables = joined(details, "Config.Env", ", ");
      if (typeof row.pid === "number" && row.pid > 0) Object.assign(row, processNamespaces(row.pid, procRoot));
    }
    return row;
  });
}
