// docker_container_stats: one resource-usage sample per container the query
// names (id is required). The daemon takes about a second per container to
// produce a sample with both the current and the previous reading.
import { dockerApi, dockerSocketPath, entries, isIdPrefix, list, num, parseDockerTime, text, type DockerJson } from "../../src/linux/docker.ts";
import { defineTable, type QueryContext, type Row } from "../../src/table.ts";
import { mapLimit } from "./common.ts";

export default defineTable({
  name: "docker_container_stats",
  columns: {
    id: "TEXT required index collate=nocase",
    name: "TEXT index",
    pids: "INTEGER",
    read: "BIGINT",
    preread: "BIGINT",
    interval: "BIGINT",
    disk_read: "BIGINT",
    disk_write: "BIGINT",
    num_procs: "INTEGER",
    cpu_total_usage: "BIGINT",
    cpu_kernelmode_usage: "BIGINT",
    cpu_usermode_usage: "BIGINT",
    system_cpu_usage: "BIGINT",
    online_cpus: "INTEGER",
    pre_cpu_total_usage: "BIGINT",
    pre_cpu_kernelmode_usage: "BIGINT",
    pre_cpu_usermode_usage: "BIGINT",
    pre_system_cpu_usage: "BIGINT",
    pre_online_cpus: "INTEGER",
    memory_usage: "BIGINT",
    memory_cached: "BIGINT",
    memory_inactive_file: "BIGINT",
    memory_total_inactive_file: "BIGINT",
    memory_max_usage: "BIGINT",
    memory_limit: "BIGINT",
    network_rx_bytes: "BIGINT",
    network_tx_bytes: "BIGINT",
  },
  generate: (ctx) => dockerContainerStatsRows(ctx),
});

/** Sum of blkio entries for one op; cgroup v1 says "Read", v2 "read". */
function ioBytes(stats: DockerJson, op: string): number {
  return list(stats, "blkio_stats.io_service_bytes_recursive")
    .filter((e) => text(e, "op").toLowerCase() === op)
    .reduce<number>((sum, e) => sum + num(e, "value"), 0);
}

function networkBytes(stats: DockerJson, key: string): number {
  return entries(stats, "networks").reduce<number>((sum, [, n]) => sum + num(n, key), 0);
}

const INT64_MAX = (1n << 63n) - 1n;

/** The row of one stats sample (the body of /containers/<id>/stats?stream=false). */
export function statsRow(id: string, stats: DockerJson): Row {
  const read = parseDockerTime(text(stats, "read"));
  const preread = parseDockerTime(text(stats, "preread"));
  let interval = 0n;
  if (read && preread) {
    interval = BigInt(read.seconds - preread.seconds) * 1_000_000_000n + BigInt(read.nanos - preread.nanos);
    // Deliberately unlike osquery/tables/applications/posix/docker.cpp: its
    // diffNanos subtracts the fraction digits as integers (".5" counts as 5 ns,
    // not 500 ms), and its product overflows when preread is Docker's year-1
    // zero time (no previous sample); here the span is exact, or 0 when it does
    // not fit a BIGINT.
    if (interval > INT64_MAX || interval < -INT64_MAX) interval = 0n;
  }
  return {
    id,
    name: text(stats, "name"),
    pids: num(stats, "pids_stats.current"),
    read: read?.seconds ?? 0,
    preread: preread?.seconds ?? 0,
    interval,
    disk_read: ioBytes(stats, "read"),
    disk_write: ioBytes(stats, "write"),
    num_procs: num(stats, "num_procs"),
    cpu_total_usage: num(stats, "cpu_stats.cpu_usage.total_usage"),
    cpu_kernelmode_usage: num(stats, "cpu_stats.cpu_usage.usage_in_kernelmode"),
    cpu_usermode_usage: num(stats, "cpu_stats.cpu_usage.usage_in_usermode"),
    system_cpu_usage: num(stats, "cpu_stats.system_cpu_usage"),
    online_cpus: num(stats, "cpu_stats.online_cpus"),
    pre_cpu_total_usage: num(stats, "precpu_stats.cpu_usage.total_usage"),
    pre_cpu_kernelmode_usage: num(stats, "precpu_stats.cpu_usage.usage_in_kernelmode"),
    pre_cpu_usermode_usage: num(stats, "precpu_stats.cpu_usage.usage_in_usermode"),
    pre_system_cpu_usage: num(stats, "precpu_stats.system_cpu_usage"),
    pre_online_cpus: num(stats, "precpu_stats.online_cpus"),
    memory_usage: num(stats, "memory_stats.usage"),
    memory_cached: num(stats, "memory_stats.stats.cache"),
    memory_inactive_file: num(stats, "memory_stats.stats.inactive_file"),
    memory_total_inactive_file: num(stats, "memory_stats.stats.total_inactive_file"),
    memory_max_usage: num(stats, "memory_stats.max_usage"),
    memory_limit: num(stats, "memory_stats.limit"),
    network_rx_bytes: networkBytes(stats, "rx_bytes"),
    network_tx_bytes: networkBytes(stats, "tx_bytes"),
  };
}

export async function dockerContainerStatsRows(ctx: QueryContext, socket = dockerSocketPath()): Promise<Row[]> {
  // A std::set in osquery: each id once, in byte order.
  const ids = [...new Set(ctx.equals("id"))].sort().filter(isIdPrefix);
  const rows = await mapLimit(ids, 8, async (id) => {
    const stats = await dockerApi(`/containers/${id}/stats?stream=false`, socket);
    return stats === undefined || stats === null || typeof stats !== "object" ? null : statsRow(id, stats);
  });
  return rows.filter((r): r is Row => r !== null);
}
