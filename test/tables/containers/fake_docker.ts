// A small fake Docker Engine API on a temp Unix socket, answering with bodies
// shaped like the real API's (v1.43) so the docker_* tables can be tested
// without a daemon. Requests are recorded for assertions.
import type { Server } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const C1 = "4c01db0b339c7f2f4a9b8d5d8b6bd5c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6";
export const C2 = "9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
export const IMG1 = "a6f2f32de169d14e6f8a84538eaa28f2629872d7d4f580a303b296c60db36fbd";
export const IMG2 = "b7c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1";
export const NET1 = "7e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f";

export interface FakeDocker {
  readonly socket: string;
  readonly requests: string[];
  stop(): void;
}

const containers = (pid: number) => [
  {
    Id: C1,
    Names: ["/web"],
    Image: "nginx:1.25",
    ImageID: `sha256:${IMG1}`,
    Command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
    Created: 1700000000,
    Ports: [
      { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
      { PrivatePort: 443, Type: "tcp" },
    ],
    Labels: { "com.example.role": "frontend", maintainer: "NGINX Docker Maintainers" },
    State: "running",
    Status: "Up 2 hours",
    HostConfig: { NetworkMode: "bridge" },
    NetworkSettings: {
      Networks: {
        bridge: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          NetworkID: NET1,
          EndpointID: "e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0e1e2",
          Gateway: "172.17.0.1",
          IPAddress: "172.17.0.2",
          IPPrefixLen: 16,
          IPv6Gateway: "",
          GlobalIPv6Address: "",
          GlobalIPv6PrefixLen: 0,
          MacAddress: "02:42:ac:11:00:02",
        },
      },
    },
    Mounts: [
      { Type: "volume", Name: "webdata", Source: "/var/lib/docker/volumes/webdata/_data", Destination: "/usr/share/nginx/html", Driver: "local", Mode: "z", RW: true, Propagation: "" },
      { Type: "bind", Source: "/etc/nginx.conf", Destination: "/etc/nginx/nginx.conf", Mode: "ro", RW: false, Propagation: "rprivate" },
    ],
  },
  {
    Id: C2,
    Names: ["/job"],
    Image: "busybox",
    ImageID: `sha256:${IMG2}`,
    Command: "sh -c 'exit 3'",
    Created: 1690000000,
    Ports: [],
    Labels: {},
    State: "exited",
    Status: "Exited (3) 5 days ago",
    HostConfig: { NetworkMode: "none" },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  },
].map((c) => ({ ...c, _pid: c.Id === C1 ? pid : 0 }));

function inspect(c: ReturnType<typeof containers>[number]) {
  const running = c.State === "running";
  return {
    Id: c.Id,
    Created: "2023-11-14T22:13:20.123456789Z",
    Path: c.Id === C1 ? "/docker-entrypoint.sh" : "sh",
    Args: [],
    State: {
      Status: c.State,
      Running: running,
      Pid: c._pid,
      ExitCode: running ? 0 : 3,
      StartedAt: "2023-11-14T22:13:21.5Z",
      FinishedAt: running ? "0001-01-01T00:00:00Z" : "2023-11-20T10:00:00Z",
    },
    Name: c.Names[0],
    HostConfig: { Privileged: c.Id === C2, ReadonlyRootfs: c.Id === C1, SecurityOpt: c.Id === C1 ? ["seccomp=unconfined", "no-new-privileges"] : null },
    Config: {
      Env: c.Id === C1 ? ["PATH=/usr/local/sbin:/usr/bin", "NGINX_VERSION=1.25.3", "EMPTY=", "WEIRD=a=b"] : ["PATH=/bin"],
      Entrypoint: c.Id === C1 ? ["/docker-entrypoint.sh"] : null,
      Cmd: ["nginx"],
    },
  };
}

const TOP = {
  Titles: ["PID", "S", "UID", "GID", "EUID", "EGID", "SUID", "SGID", "RSS", "VSZ", "ELAPSED", "PPID", "PGRP", "NLWP", "NI", "USER", "TIME", "%CPU", "%MEM", "COMMAND", "CMD"],
  Processes: [
    ["4242", "S", "0", "0", "0", "0", "0", "0", "5120", "11000", "7200", "4200", "4242", "1", "0", "root", "00:00:01", "0.1", "0.2", "nginx", "nginx: master process nginx -g daemon off;"],
    ["4243", "S", "101", "101", "101", "101", "101", "101", "2048", "11500", "02:00:00", "4242", "4242", "2", "5", "nginx", "00:00:00", "0.0", "0.1", "nginx", "nginx: worker process"],
    ["short"],
  ],
};

const STATS = {
  read: "2024-05-01T16:08:43.661631023Z",
  preread: "2024-05-01T16:08:42.65Z",
  pids_stats: { current: 3, limit: 18446744073709551615 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: "read", value: 4096 },
      { major: 8, minor: 0, op: "write", value: 1024 },
      { major: 8, minor: 16, op: "Read", value: 100 },
    ],
  },
  num_procs: 0,
  cpu_stats: { cpu_usage: { total_usage: 123456789, usage_in_kernelmode: 23456789, usage_in_usermode: 100000000 }, system_cpu_usage: 9876543210000000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 123000000, usage_in_kernelmode: 23000000, usage_in_usermode: 100000000 }, system_cpu_usage: 9876542210000000, online_cpus: 2 },
  memory_stats: { usage: 7340032, max_usage: 9000000, limit: 2147483648, stats: { cache: 1048576, inactive_file: 524288, total_inactive_file: 262144 } },
  name: "/web",
  id: C1,
  networks: { eth0: { rx_bytes: 1500, tx_bytes: 700 }, eth1: { rx_bytes: 500, tx_bytes: 300 } },
};

const IMAGES = [
  { Id: `sha256:${IMG1}`, ParentId: "", RepoTags: ["nginx:1.25", "nginx:latest"], RepoDigests: [], Created: 1699000000, Size: 187000000, SharedSize: -1, Labels: { maintainer: "NGINX Docker Maintainers" }, Containers: -1 },
  { Id: `sha256:${IMG2}`, ParentId: "", RepoTags: ["busybox:latest"], RepoDigests: [], Created: 1690000000, Size: 4260000, SharedSize: -1, Labels: null, Containers: -1 },
];

const HISTORY: Record<string, unknown[]> = {
  [IMG1]: [
    { Id: `sha256:${IMG1}`, Created: 1699000000, CreatedBy: "/bin/sh -c #(nop)  CMD [\"nginx\"]", Tags: ["nginx:1.25", "nginx:latest"], Size: 0, Comment: "" },
    { Id: "<missing>", Created: 1698000000, CreatedBy: "/bin/sh -c #(nop) ADD file:abc in /", Tags: null, Size: 74800000, Comment: "buildkit.dockerfile.v0" },
  ],
  [IMG2]: [{ Id: `sha256:${IMG2}`, Created: 1690000000, CreatedBy: "BusyBox", Tags: ["busybox:latest"], Size: 4260000, Comment: "" }],
};

const LAYERS: Record<string, string[]> = {
  [IMG1]: ["sha256:1111111111111111111111111111111111111111111111111111111111111111", "sha256:2222222222222222222222222222222222222222222222222222222222222222"],
  [IMG2]: ["sha256:3333333333333333333333333333333333333333333333333333333333333333"],
};

const NETWORKS = [
  {
    Name: "bridge",
    Id: NET1,
    Created: "2024-01-02T03:04:05.123456789+02:00",
    Scope: "local",
    Driver: "bridge",
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }, { Subnet: "fd00::/64" }] },
    Labels: { "com.docker.network.bridge.default_bridge": "true" },
  },
  { Name: "none", Id: "0000000000000000000000000000000000000000000000000000000000000001", Created: "2024-01-02T03:04:05Z", Driver: "null", EnableIPv6: true, IPAM: { Driver: "default", Config: [] }, Labels: {} },
];

const VOLUMES = {
  Volumes: [
    { CreatedAt: "2024-01-01T00:00:00Z", Driver: "local", Labels: { env: "prod", owner: "web" }, Mountpoint: "/var/lib/docker/volumes/webdata/_data", Name: "webdata", Options: { type: "tmpfs" }, Scope: "local" },
    { CreatedAt: "2024-01-01T00:00:00Z", Driver: "local", Labels: null, Mountpoint: "/var/lib/docker/volumes/cache/_data", Name: "cache", Options: null, Scope: "local" },
  ],
  Warnings: [],
};

export const INFO = {
  ID: "7TRN:IPZB:QYBB:VPBQ:UWYJ:KPNX:3M2Y:HUMQ:T6KJ:NV6X:J4XL:AS2S",
  Containers: 2, ContainersRunning: 1, ContainersPaused: 0, ContainersStopped: 1, Images: 2,
  Driver: "overlay2", MemoryLimit: true, SwapLimit: false, KernelMemory: false, CpuCfsPeriod: true, CpuCfsQuota: true,
  CPUShares: true, CPUSet: true, IPv4Forwarding: true, BridgeNfIptables: true, BridgeNfIp6tables: false, OomKillDisable: false,
  LoggingDriver: "json-file", CgroupDriver: "systemd", KernelVersion: "6.5.0-14-generic", OperatingSystem: "Ubuntu 22.04.3 LTS",
  OSType: "linux", Architecture: "x86_64", NCPU: 8, MemTotal: 16653144064, HttpProxy: "", HttpsProxy: "", NoProxy: "",
  Name: "host1", ServerVersion: "24.0.7", DockerRootDir: "/var/lib/docker",
};

export const VERSION = {
  Version: "24.0.7", ApiVersion: "1.43", MinAPIVersion: "1.12", GitCommit: "311b9ff", GoVersion: "go1.20.10", Os: "linux",
  Arch: "amd64", KernelVersion: "6.5.0-14-generic", BuildTime: "2023-10-26T09:08:02.000000000+00:00",
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Docker resolves a container or image by full id or unique prefix. */
function resolve<T>(items: T[], id: string, key: (t: T) => string): T | undefined {
  const hits = items.filter((t) => key(t).startsWith(id));
  return hits.length === 1 ? hits[0] : undefined;
}

/** Starts the fake daemon; `pid` is reported as the running container's init process. */
export function startFakeDocker(pid: number = process.pid): FakeDocker {
  const dir = mkdtempSync(join(tmpdir(), "osq-docker-"));
  const socket = join(dir, "docker.sock");
  const requests: string[] = [];
  const all = containers(pid);
  const server: Server<unknown> = Bun.serve({
    unix: socket,
    fetch(req) {
      const url = new URL(req.url);
      requests.push(url.pathname + url.search);
      const p = url.pathname.replace(/^\/v1\.\d+/, "");
      if (p === "/containers/json") {
        let list = url.searchParams.get("all") === "1" ? all : all.filter((c) => c.State === "running");
        const filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as Record<string, Record<string, boolean>>;
        // As Docker's filters.Args: a key with no values filters nothing.
        if (filters.id && Object.keys(filters.id).length > 0) list = list.filter((c) => Object.keys(filters.id!).some((id) => c.Id.startsWith(id)));
        if (filters.name && Object.keys(filters.name).length > 0) list = list.filter((c) => Object.keys(filters.name!).some((n) => c.Names.some((x) => x.includes(n.replace(/^\//, "")))));
        return json(list.map(({ _pid, ...c }) => c));
      }
      let m = /^\/containers\/([^/]+)\/(json|top|stats|changes)$/.exec(p);
      if (m) {
        const c = resolve(all, m[1]!, (x) => x.Id);
        if (!c) return json({ message: `No such container: ${m[1]}` }, 404);
        if (m[2] === "json") return json(inspect(c));
        if (m[2] === "top") {
          if (c.State !== "running") return json({ message: `Container ${c.Id} is not running` }, 409);
          return json(TOP);
        }
        if (m[2] === "stats") return json({ ...STATS, id: c.Id, name: c.Names[0] });
        return json(c.Id === C1 ? [{ Path: "/var", Kind: 0 }, { Path: "/var/cache/nginx", Kind: 1 }, { Path: "/etc/motd", Kind: 2 }] : null);
      }
      if (p === "/images/json") return json(IMAGES);
      m = /^\/images\/([^/]+)\/(json|history)$/.exec(p);
      if (m) {
        const img = resolve(IMAGES, m[1]!.replace(/^sha256:/, ""), (i) => i.Id.slice(7));
        if (!img) return json({ message: `No such image: ${m[1]}` }, 404);
        const id = img.Id.slice(7);
        if (m[2] === "history") return json(HISTORY[id]);
        return json({ Id: img.Id, RepoTags: img.RepoTags, RootFS: { Type: "layers", Layers: LAYERS[id] } });
      }
      if (p === "/networks") {
        const filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as Record<string, Record<string, boolean>>;
        const list = filters.id && Object.keys(filters.id).length > 0 ? NETWORKS.filter((n) => Object.keys(filters.id!).some((id) => n.Id.startsWith(id))) : NETWORKS;
        return json(list);
      }
      if (p === "/volumes") {
        const filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as Record<string, Record<string, boolean>>;
        const list = filters.name && Object.keys(filters.name).length > 0 ? VOLUMES.Volumes.filter((v) => Object.keys(filters.name!).some((n) => v.Name.includes(n))) : VOLUMES.Volumes;
        return json({ ...VOLUMES, Volumes: list });
      }
      if (p === "/info") return json(INFO);
      if (p === "/version") return json(VERSION);
      return json({ message: "page not found" }, 404);
    },
  });
  return {
    socket,
    requests,
    stop() {
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
