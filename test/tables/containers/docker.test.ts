// The docker_* tables against a fake Docker Engine API on a temp Unix socket
// (test/tables/containers/fake_docker.ts); namespaces are checked with stat(1).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { flags } from "../../../src/flags/flags.ts";
import { dockerApi, filterQuery, idValue, parseDockerTime } from "../../../src/linux/docker.ts";
import { generate } from "../../helpers.ts";
import { tables } from "../../../tables/containers/index.ts";
import docker_container_envs from "../../../tables/containers/docker_container_envs.ts";
import docker_container_fs_changes from "../../../tables/containers/docker_container_fs_changes.ts";
import docker_container_labels from "../../../tables/containers/docker_container_labels.ts";
import docker_container_mounts from "../../../tables/containers/docker_container_mounts.ts";
import docker_container_networks from "../../../tables/containers/docker_container_networks.ts";
import docker_container_ports from "../../../tables/containers/docker_container_ports.ts";
import docker_container_processes from "../../../tables/containers/docker_container_processes.ts";
import docker_container_stats from "../../../tables/containers/docker_container_stats.ts";
import docker_containers from "../../../tables/containers/docker_containers.ts";
import docker_image_history from "../../../tables/containers/docker_image_history.ts";
import docker_image_labels from "../../../tables/containers/docker_image_labels.ts";
import docker_image_layers from "../../../tables/containers/docker_image_layers.ts";
import docker_images from "../../../tables/containers/docker_images.ts";
import docker_info from "../../../tables/containers/docker_info.ts";
import docker_network_labels from "../../../tables/containers/docker_network_labels.ts";
import docker_networks from "../../../tables/containers/docker_networks.ts";
import docker_version from "../../../tables/containers/docker_version.ts";
import docker_volume_labels from "../../../tables/containers/docker_volume_labels.ts";
import docker_volumes from "../../../tables/containers/docker_volumes.ts";
import { queryAsync } from "../apps/e2e.ts";
import { C1, C2, IMG1, IMG2, INFO, NET1, startFakeDocker, VERSION, type FakeDocker } from "./fake_docker.ts";

let fake: FakeDocker;
let previousSocket: string;

beforeAll(() => {
  fake = startFakeDocker();
  previousSocket = flags.get("docker_socket");
  flags.set("docker_socket", fake.socket, "cli");
});
afterAll(() => {
  flags.force("docker_socket", previousSocket);
  fake.stop();
});

const inode = (path: string) => Bun.spawnSync(["stat", "-L", "-c", "%i", path]).stdout.toString().trim();

describe("docker client", () => {
  test("dockerApi GETs JSON over the socket; other statuses and missing sockets give undefined", async () => {
    expect(await dockerApi("/version", fake.socket)).toEqual(VERSION);
    expect(await dockerApi("/nope", fake.socket)).toBeUndefined();
    expect(await dockerApi("/version", "/nonexistent/docker.sock")).toBeUndefined();
  });
  test("filters and id prefixes", () => {
    // osquery's getQuery: no constraint, no query string (not even all=1).
    expect(filterQuery("id", [], true).query).toBe("");
    expect(filterQuery("id", [], false).query).toBe("");
    const q = filterQuery("id", ["abc", "not-hex!"], true);
    expect(decodeURIComponent(q.query)).toBe('?all=1&filters={"id":{"abc":true}}');
    expect([...q.items]).toEqual(["abc"]);
    // Only unusable values: an empty filter, which Docker reads as "no filter".
    expect(decodeURIComponent(filterQuery("name", ["my-volume"], false).query)).toBe('?filters={"name":{}}');
    // Sorted and unique, integer-like hex included.
    expect(decodeURIComponent(filterQuery("id", ["fff", "123", "abc", "123"], false).query)).toBe('?filters={"id":{"123":true,"abc":true,"fff":true}}');
    expect(idValue("sha256:abcdef", new Set())).toBe("abcdef");
    expect(idValue("abcdef", new Set(["abc"]))).toBe("abc");
    expect(idValue("abcdef", new Set(["x"]))).toBe("abcdef");
  });
  test("timestamps", () => {
    expect(parseDockerTime("2024-05-01T16:08:43.661631023Z")).toEqual({ seconds: Date.UTC(2024, 4, 1, 16, 8, 43) / 1000, nanos: 661631023 });
    expect(parseDockerTime("2024-01-02T03:04:05.5+02:00")).toEqual({ seconds: Date.UTC(2024, 0, 2, 1, 4, 5) / 1000, nanos: 500000000 });
    expect(parseDockerTime("0001-01-01T00:00:00Z")!.seconds).toBe(-62135596800);
    expect(parseDockerTime("garbage")).toBeUndefined();
  });
  test("every docker table is registered", () => {
    expect(tables.map((t) => t.name).sort()).toEqual([
      "docker_container_envs", "docker_container_fs_changes", "docker_container_labels", "docker_container_mounts",
      "docker_container_networks", "docker_container_ports", "docker_container_processes", "docker_container_stats",
      "docker_containers", "docker_image_history", "docker_image_labels", "docker_image_layers", "docker_images",
      "docker_info", "docker_network_labels", "docker_networks", "docker_version", "docker_volume_labels", "docker_volumes",
    ]);
  });
});

describe("without a daemon", () => {
  test("every table returns no rows", async () => {
    flags.set("docker_socket", "/nonexistent/osq-test/docker.sock", "cli");
    try {
      for (const t of tables) {
        const constraints: Record<string, [string, string][]> = t.columns.some((c) => c.required) ? { id: [["=", C1]] } : {};
        expect(`${t.name}:${(await generate(t, constraints)).length}`).toBe(`${t.name}:0`);
      }
    } finally {
      flags.set("docker_socket", fake.socket, "cli");
    }
  });
});

describe("docker_containers", () => {
  test("without an id constraint only running containers are listed (no all=1), as in osquery", async () => {
    fake.requests.length = 0;
    expect((await generate(docker_containers)).map((r) => r.id)).toEqual([C1]);
    expect(fake.requests).toContain("/containers/json");
    expect(fake.requests).not.toContain("/containers/json?all=1");
  });

  test("lists the constrained containers with inspect details and namespaces", async () => {
    const rows = await generate(docker_containers, { id: [["=", C1], ["=", C2]] });
    expect(rows.map((r) => r.id)).toEqual([C1, C2]);
    const web = rows[0]!;
    expect(web).toMatchObject({
      name: "/web", image: "nginx:1.25", image_id: IMG1, command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
      created: 1700000000, state: "running", status: "Up 2 hours", pid: process.pid, path: "/docker-entrypoint.sh",
      config_entrypoint: "/docker-entrypoint.sh", started_at: "2023-11-14T22:13:21.5Z", finished_at: "",
      privileged: 0, readonly_rootfs: 1, security_options: "seccomp=unconfined, no-new-privileges",
      env_variables: "PATH=/usr/local/sbin:/usr/bin, NGINX_VERSION=1.25.3, EMPTY=, WEIRD=a=b",
    });
    for (const ns of ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"]) {
      expect(`${ns}=${web[`${ns}_namespace`]}`).toBe(`${ns}=${inode(`/proc/${process.pid}/ns/${ns}`)}`);
    }
    const job = rows[1]!;
    expect(job).toMatchObject({ name: "/job", state: "exited", pid: 0, privileged: 1, config_entrypoint: "", security_options: "" });
    expect(job.net_namespace).toBeUndefined();
  });

  test("id prefix constraint is sent as a filter and echoed back", async () => {
    const rows = await generate(docker_containers, { id: [["=", C2.slice(0, 12)]] });
    expect(rows.map((r) => r.id)).toEqual([C2.slice(0, 12)]);
    expect(rows[0]!.name).toBe("/job");
  });
});

describe("container tables", () => {
  test("docker_container_labels", async () => {
    expect(await generate(docker_container_labels)).toEqual([
      { id: C1, key: "com.example.role", value: "frontend" },
      { id: C1, key: "maintainer", value: "NGINX Docker Maintainers" },
    ]);
  });

  test("docker_container_mounts", async () => {
    const rows = await generate(docker_container_mounts);
    expect(rows).toEqual([
      { id: C1, type: "volume", name: "webdata", source: "/var/lib/docker/volumes/webdata/_data", destination: "/usr/share/nginx/html", driver: "local", mode: "z", rw: 1, propagation: "" },
      { id: C1, type: "bind", name: "", source: "/etc/nginx.conf", destination: "/etc/nginx/nginx.conf", driver: "", mode: "ro", rw: 0, propagation: "rprivate" },
    ]);
  });

  test("docker_container_networks", async () => {
    expect(await generate(docker_container_networks)).toEqual([
      {
        id: C1, name: "bridge", network_id: NET1, endpoint_id: "e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0e1e2", gateway: "172.17.0.1",
        ip_address: "172.17.0.2", ip_prefix_len: 16, ipv6_gateway: "", ipv6_address: "", ipv6_prefix_len: 0, mac_address: "02:42:ac:11:00:02",
      },
    ]);
  });

  test("docker_container_ports", async () => {
    expect(await generate(docker_container_ports)).toEqual([
      { id: C1, type: "tcp", port: 80, host_ip: "0.0.0.0", host_port: 8080 },
      { id: C1, type: "tcp", port: 443, host_ip: "", host_port: 0 },
    ]);
  });

  test("docker_container_envs splits at the first '='", async () => {
    const rows = await generate(docker_container_envs, { id: [["=", C1]] });
    expect(rows).toEqual([
      { id: C1, key: "PATH", value: "/usr/local/sbin:/usr/bin" },
      { id: C1, key: "NGINX_VERSION", value: "1.25.3" },
      { id: C1, key: "EMPTY", value: "" },
      { id: C1, key: "WEIRD", value: "a=b" },
    ]);
  });

  test("docker_container_processes (id required)", async () => {
    expect(await generate(docker_container_processes)).toEqual([]);
    const rows = await generate(docker_container_processes, { id: [["=", C1.slice(0, 10)]] });
    expect(rows.length).toBe(2);
    expect(rows[0]).toMatchObject({
      id: C1.slice(0, 10), pid: "4242", state: "S", uid: "0", resident_size: "5120000", total_size: "11000000", start_time: "7200",
      parent: "4200", pgroup: "4242", threads: "1", nice: "0", user: "root", time: "00:00:01", cpu: "0.1", mem: "0.2",
      name: "nginx", cmdline: "nginx: master process nginx -g daemon off;",
    });
    // osquery's Linux reader leaves wired_size unset.
    expect(rows[0]!.wired_size).toBeUndefined();
    const top = fake.requests.find((r) => r.includes("/top"))!;
    expect(decodeURIComponent(top)).toBe(
      `/containers/${C1.slice(0, 10)}/top?ps_args=axwwo pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,nice,user,time,pcpu,pmem,comm,cmd`,
    );
    // A stopped container has no processes (the daemon answers 409).
    expect(await generate(docker_container_processes, { id: [["=", C2]] })).toEqual([]);
    // Each id once, in byte order, as osquery's std::set of constraints gives them.
    fake.requests.length = 0;
    await generate(docker_container_processes, { id: [["=", C2], ["=", C1], ["=", C2]] });
    expect(fake.requests.filter((r) => r.includes("/top")).map((r) => r.split("/")[2])).toEqual([C1, C2].sort());
  });

  test("docker_container_stats (id required)", async () => {
    const rows = await generate(docker_container_stats, { id: [["=", C1]] });
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({
      id: C1, name: "/web", pids: 3, read: Date.UTC(2024, 4, 1, 16, 8, 43) / 1000, preread: Date.UTC(2024, 4, 1, 16, 8, 42) / 1000,
      interval: 1_011_631_023n, disk_read: 4196, disk_write: 1024, num_procs: 0, cpu_total_usage: 123456789,
      cpu_kernelmode_usage: 23456789, cpu_usermode_usage: 100000000, system_cpu_usage: 9876543210000000, online_cpus: 2,
      pre_cpu_total_usage: 123000000, pre_system_cpu_usage: 9876542210000000, pre_online_cpus: 2, memory_usage: 7340032,
      memory_cached: 1048576, memory_inactive_file: 524288, memory_total_inactive_file: 262144, memory_max_usage: 9000000,
      memory_limit: 2147483648, network_rx_bytes: 2000, network_tx_bytes: 1000,
    });
    expect(await generate(docker_container_stats, { id: [["=", "zzz"]] })).toEqual([]);
  });

  test("docker_container_fs_changes (id required)", async () => {
    expect(await generate(docker_container_fs_changes, { id: [["=", C1]] })).toEqual([
      { id: C1, path: "/var", change_type: "C" },
      { id: C1, path: "/var/cache/nginx", change_type: "A" },
      { id: C1, path: "/etc/motd", change_type: "D" },
    ]);
    expect(await generate(docker_container_fs_changes, { id: [["=", C2]] })).toEqual([]);
  });
});

describe("image tables", () => {
  test("docker_images", async () => {
    expect(await generate(docker_images)).toEqual([
      { id: IMG1, created: 1699000000, size_bytes: 187000000, tags: "nginx:1.25,nginx:latest" },
      { id: IMG2, created: 1690000000, size_bytes: 4260000, tags: "busybox:latest" },
    ]);
  });

  test("docker_image_labels", async () => {
    expect(await generate(docker_image_labels)).toEqual([{ id: IMG1, key: "maintainer", value: "NGINX Docker Maintainers" }]);
    expect(await generate(docker_image_labels, { id: [["=", IMG1.slice(0, 12)]] })).toEqual([
      { id: IMG1.slice(0, 12), key: "maintainer", value: "NGINX Docker Maintainers" },
    ]);
  });

  test("docker_image_layers", async () => {
    expect(await generate(docker_image_layers)).toEqual([
      { id: IMG1, layer_id: "1".repeat(64), layer_order: 1 },
      { id: IMG1, layer_id: "2".repeat(64), layer_order: 2 },
      { id: IMG2, layer_id: "3".repeat(64), layer_order: 1 },
    ]);
    expect(await generate(docker_image_layers, { id: [["=", IMG2.slice(0, 6)]] })).toEqual([{ id: IMG2.slice(0, 6), layer_id: "3".repeat(64), layer_order: 1 }]);
    // Constraint values come once each, in byte order (osquery's std::set).
    const ids = (await generate(docker_image_layers, { id: [["=", IMG2], ["=", IMG1], ["=", IMG2]] })).map((r) => r.id);
    expect(ids).toEqual([IMG1, IMG1, IMG2]);
  });

  test("docker_image_history", async () => {
    const rows = await generate(docker_image_history, { id: [["=", IMG1]] });
    expect(rows).toEqual([
      { id: IMG1, created: 1699000000, size: 0, created_by: '/bin/sh -c #(nop)  CMD ["nginx"]', tags: "nginx:1.25,nginx:latest", comment: "" },
      { id: IMG1, created: 1698000000, size: 74800000, created_by: "/bin/sh -c #(nop) ADD file:abc in /", tags: "", comment: "buildkit.dockerfile.v0" },
    ]);
    expect((await generate(docker_image_history)).length).toBe(3);
  });
});

describe("daemon, network and volume tables", () => {
  test("docker_info", async () => {
    const [row] = await generate(docker_info);
    expect(row).toMatchObject({
      id: INFO.ID, containers: 2, containers_running: 1, containers_paused: 0, containers_stopped: 1, images: 2, storage_driver: "overlay2",
      memory_limit: 1, swap_limit: 0, kernel_memory: 0, cpu_cfs_period: 1, cpu_cfs_quota: 1, cpu_shares: 1, cpu_set: 1, ipv4_forwarding: 1,
      bridge_nf_iptables: 1, bridge_nf_ip6tables: 0, oom_kill_disable: 0, logging_driver: "json-file", cgroup_driver: "systemd",
      kernel_version: "6.5.0-14-generic", os: "Ubuntu 22.04.3 LTS", os_type: "linux", architecture: "x86_64", cpus: 8, memory: 16653144064,
      http_proxy: "", https_proxy: "", no_proxy: "", name: "host1", server_version: "24.0.7", root_dir: "/var/lib/docker",
    });
  });

  test("docker_version", async () => {
    expect(await generate(docker_version)).toEqual([
      {
        version: VERSION.Version, api_version: VERSION.ApiVersion, min_api_version: VERSION.MinAPIVersion, git_commit: VERSION.GitCommit,
        go_version: VERSION.GoVersion, os: VERSION.Os, arch: VERSION.Arch, kernel_version: VERSION.KernelVersion, build_time: VERSION.BuildTime,
      },
    ]);
  });

  test("docker_networks", async () => {
    expect(await generate(docker_networks)).toEqual([
      { id: NET1, name: "bridge", driver: "bridge", created: Date.UTC(2024, 0, 2, 1, 4, 5) / 1000, enable_ipv6: 0, subnet: "172.17.0.0/16", gateway: "172.17.0.1" },
      { id: "0".repeat(63) + "1", name: "none", driver: "null", created: Date.UTC(2024, 0, 2, 3, 4, 5) / 1000, enable_ipv6: 1, subnet: undefined, gateway: undefined },
    ]);
    expect((await generate(docker_networks, { id: [["=", NET1.slice(0, 8)]] })).map((r) => r.id)).toEqual([NET1.slice(0, 8)]);
  });

  test("docker_network_labels", async () => {
    expect(await generate(docker_network_labels)).toEqual([{ id: NET1, key: "com.docker.network.bridge.default_bridge", value: "true" }]);
  });

  test("docker_volumes and docker_volume_labels", async () => {
    expect(await generate(docker_volumes)).toEqual([
      { name: "webdata", driver: "local", mount_point: "/var/lib/docker/volumes/webdata/_data", type: "tmpfs" },
      { name: "cache", driver: "local", mount_point: "/var/lib/docker/volumes/cache/_data", type: "" },
    ]);
    expect(await generate(docker_volume_labels)).toEqual([
      { name: "webdata", key: "env", value: "prod" },
      { name: "webdata", key: "owner", value: "web" },
    ]);
    // A name that is not hex is not sent (osquery's checkConstraintValue): every volume comes back.
    expect((await generate(docker_volumes, { name: [["=", "cache"]] })).map((r) => r.name)).toEqual(["webdata", "cache"]);
    expect(fake.requests).toContain(`/volumes?filters=${encodeURIComponent('{"name":{}}')}`);
  });
});

describe("docker e2e (--docker_socket)", () => {
  const q = (sql: string) => queryAsync(sql, [`--docker_socket=${fake.socket}`]);

  test("docker_containers", async () => {
    const rows = await q(`select id, name, state, pid, image_id from docker_containers where id in ('${C1}', '${C2}') order by name`);
    expect(rows).toEqual([
      { id: C2, name: "/job", state: "exited", pid: "0", image_id: IMG2 },
      { id: C1, name: "/web", state: "running", pid: String(process.pid), image_id: IMG1 },
    ]);
    expect((await q("select name from docker_containers")).map((r) => r.name)).toEqual(["/web"]);
  });

  test("short id in WHERE keeps the row", async () => {
    const rows = await q(`select id, name from docker_containers where id = '${C1.slice(0, 12)}'`);
    expect(rows).toEqual([{ id: C1.slice(0, 12), name: "/web" }]);
  });

  test("per-container tables", async () => {
    expect(await q(`select key, value from docker_container_envs where id = '${C1}' and key = 'NGINX_VERSION'`)).toEqual([{ key: "NGINX_VERSION", value: "1.25.3" }]);
    expect((await q(`select pid, user from docker_container_processes where id = '${C1}'`)).map((r) => r.pid)).toEqual(["4242", "4243"]);
    expect(await q(`select memory_usage, interval from docker_container_stats where id = '${C1}'`)).toEqual([{ memory_usage: "7340032", interval: "1011631023" }]);
    expect((await q(`select change_type from docker_container_fs_changes where id = '${C1}'`)).map((r) => r.change_type)).toEqual(["C", "A", "D"]);
    expect((await q("select port, host_port from docker_container_ports")).length).toBe(2);
    expect((await q("select * from docker_container_mounts")).length).toBe(2);
    expect((await q("select * from docker_container_networks")).map((r) => r.ip_address)).toEqual(["172.17.0.2"]);
    expect((await q("select * from docker_container_labels")).length).toBe(2);
  });

  test("image, daemon, network and volume tables", async () => {
    expect((await q("select tags from docker_images")).map((r) => r.tags)).toEqual(["nginx:1.25,nginx:latest", "busybox:latest"]);
    expect((await q("select * from docker_image_labels")).length).toBe(1);
    expect((await q(`select layer_order from docker_image_layers where id = '${IMG1}'`)).map((r) => r.layer_order)).toEqual(["1", "2"]);
    expect((await q("select * from docker_image_history")).length).toBe(3);
    expect(await q("select server_version, cpus, memory from docker_info")).toEqual([{ server_version: "24.0.7", cpus: "8", memory: "16653144064" }]);
    expect(await q("select version, api_version from docker_version")).toEqual([{ version: "24.0.7", api_version: "1.43" }]);
    expect((await q("select name, subnet from docker_networks")).map((r) => r.name)).toEqual(["bridge", "none"]);
    expect((await q("select * from docker_network_labels")).length).toBe(1);
    expect((await q("select name, type from docker_volumes")).map((r) => r.type)).toEqual(["tmpfs", ""]);
    expect((await q("select * from docker_volume_labels")).length).toBe(2);
  });

  test("required id is enforced", async () => {
    await expect(q("select * from docker_container_stats")).rejects.toThrow();
  });
});
