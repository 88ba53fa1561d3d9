// docker_version: the daemon's /version, one row.
import { dockerApi, dockerSocketPath, text } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";

export default defineTable({
  name: "docker_version",
  cacheable: true,
  columns: {
    version: "TEXT collate=version",
    api_version: "TEXT collate=version",
    min_api_version: "TEXT collate=version",
    git_commit: "TEXT",
    go_version: "TEXT collate=version",
    os: "TEXT",
    arch: "TEXT",
    kernel_version: "TEXT collate=version",
    build_time: "TEXT",
  },
  generate: (ctx) => dockerVersionRows(ctx),
});

export async function dockerVersionRows(_ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  const v = await dockerApi("/version", socket);
  if (v === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return [];
  return [
    {
      version: text(v, "Version"),
      api_version: text(v, "ApiVersion"),
      min_api_version: text(v, "MinAPIVersion"),
      git_commit: text(v, "GitCommit"),
      go_version: text(v, "GoVersion"),
      os: text(v, "Os"),
      arch: text(v, "Arch"),
      kernel_version: text(v, "KernelVersion"),
      build_time: text(v, "BuildTime"),
    },
  ];
}
