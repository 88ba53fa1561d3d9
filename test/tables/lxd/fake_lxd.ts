// A small fake LXD API on a temp Unix socket, answering the endpoints the
// lxd_* tables call with bodies shaped like LXD 5.x's (the "sync" envelope,
// metadata as lists of URLs or as objects). Some items are deliberately
// incomplete in the ways osquery drops rows or columns. Requests are recorded.
import type { Server } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const IMAGE_FP = "2b1f2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
export const LOCAL_IMAGE_FP = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";
export const CERT_FP = "c82d1a60b5b1e6b1f5e5d1c0ad6dd8f7dd5b6fe8a2c1f1c1e2d3c4b5a6978899";

const sync = (metadata: unknown) => ({ type: "sync", status: "Success", status_code: 200, operation: "", error_code: 0, error: "", metadata });
const notFound = () => Response.json({ type: "error", status: "", status_code: 0, operation: "", error_code: 404, error: "Not Found", metadata: null }, { status: 404 });

export const INSTANCES: Record<string, unknown> = {
  web: {
    architecture: "x86_64",
    config: {
      "image.architecture": "amd64",
      "image.os": "Ubuntu",
      "image.release": "jammy",
      "limits.cpu": "2",
      "volatile.base_image": IMAGE_FP,
      "volatile.eth0.hwaddr": "00:16:3e:4a:5b:6c",
    },
    devices: {},
    ephemeral: false,
    profiles: ["default"],
    stateful: false,
    description: "",
    created_at: "2024-05-01T10:00:00.123456789Z",
    expanded_config: {},
    expanded_devices: {
      eth0: { name: "eth0", network: "lxdbr0", type: "nic" },
      root: { path: "/", pool: "default", size: "10GiB", type: "disk" },
    },
    name: "web",
    status: "Running",
    status_code: 103,
    last_used_at: "2024-05-02T08:00:00Z",
    location: "none",
    type: "container",
    project: "default",
  },
  db: {
    architecture: "x86_64",
    config: { "volatile.base_image": IMAGE_FP, "security.nesting": "true" },
    devices: {},
    ephemeral: true,
    profiles: ["default"],
    stateful: true,
    description: "database",
    created_at: "2024-05-03T11:00:00Z",
    expanded_config: {},
    expanded_devices: { data: { type: "disk", source: "/srv/db", path: "/var/lib/postgresql" } },
    name: "db",
    status: "Stopped",
    status_code: 102,
    type: "container",
    project: "default",
  },
  // Made with `lxc init --empty`: no volatile.base_image, so osquery drops it.
  scratch: {
    architecture: "x86_64",
    config: {},
    devices: {},
    ephemeral: false,
    stateful: false,
    created_at: "2024-05-04T12:00:00Z",
    expanded_devices: {},
    name: "scratch",
    status: "Stopped",
    type: "container",
  },
};

const INSTANCE_METADATA: Record<string, unknown> = {
  web: { architecture: "x86_64", creation_date: 1714557600, properties: { architecture: "amd64", description: "Ubuntu jammy amd64 (20240501_07:42)", os: "Ubuntu", release: "jammy", serial: "20240501_07:42" }, templates: {} },
  // No os in the image properties: osquery keeps the description it read before failing.
  db: { architecture: "x86_64", creation_date: 1714557600, properties: { description: "custom image" } },
};

const INSTANCE_STATE: Record<string, unknown> = {
  web: { status: "Running", status_code: 103, disk: {}, memory: { usage: 73433088 }, network: {}, pid: 12345, processes: 27, cpu: { usage: 5000000000 } },
  // A stopped container has pid 0; here processes is absent too.
  db: { status: "Stopped", status_code: 102, pid: 0 },
};

export const IMAGES: Record<string, unknown> = {
  [IMAGE_FP]: {
    aliases: [
      { name: "jammy", description: "" },
      { name: "ubuntu/22.04", description: "Ubuntu 22.04 LTS" },
    ],
    architecture: "x86_64",
    auto_update: true,
    cached: true,
    fingerprint: IMAGE_FP,
    filename: "ubuntu-22.04-server-cloudimg-amd64-lxd.tar.xz",
    properties: { architecture: "amd64", description: "ubuntu 22.04 LTS amd64 (release) (20240501)", os: "ubuntu", release: "jammy" },
    public: false,
    expires_at: "2027-04-21T00:00:00Z",
    profiles: ["default"],
    size: 458236592,
    update_source: { alias: "22.04", certificate: "", protocol: "simplestreams", server: "https://cloud-images.ubuntu.com/releases", image_type: "" },
    type: "container",
    created_at: "2024-05-01T00:00:00Z",
    last_used_at: "2024-05-02T08:00:00.5Z",
    uploaded_at: "2024-05-01T09:59:00Z",
  },
  // Published from a container: no update_source, so osquery drops it.
  [LOCAL_IMAGE_FP]: {
    aliases: [],
    architecture: "x86_64",
    auto_update: false,
    cached: false,
    fingerprint: LOCAL_IMAGE_FP,
    filename: "",
    properties: { description: "snapshot", os: "Ubuntu", release: "jammy" },
    public: true,
    expires_at: "1970-01-01T00:00:00Z",
    size: 12345,
    type: "container",
    created_at: "2024-05-05T00:00:00Z",
    last_used_at: "1970-01-01T00:00:00Z",
    uploaded_at: "2024-05-05T00:00:00Z",
  },
};

export const CERTIFICATE = {
  certificate: "-----BEGIN CERTIFICATE-----\nMIIB+zCCAYGgAwIBAgIQFake\n-----END CERTIFICATE-----\n",
  fingerprint: CERT_FP,
  name: "admin-laptop",
  projects: [],
  restricted: false,
  type: "client",
};

export const NETWORKS: Record<string, unknown> = {
  lxdbr0: {
    config: { "ipv4.address": "10.87.139.1/24", "ipv4.nat": "true", "ipv6.address": "fd42:d1c1:1a2b:3c4d::1/64", "ipv6.nat": "true" },
    description: "",
    name: "lxdbr0",
    type: "bridge",
    used_by: ["/1.0/instances/web", "/1.0/profiles/default", "/1.0/containers/db", "/1.0/instances/other?project=dev"],
    managed: true,
    status: "Created",
    locations: ["none"],
  },
  eth0: { config: {}, description: "", name: "eth0", type: "physical", used_by: [], managed: false, status: "", locations: [] },
};

const NETWORK_STATE: Record<string, unknown> = {
  lxdbr0: {
    addresses: [{ family: "inet", address: "10.87.139.1", netmask: "24", scope: "global" }],
    counters: { bytes_received: 9846214, bytes_sent: 183264917, packets_received: 81234, packets_sent: 95123 },
    hwaddr: "00:16:3e:aa:bb:cc",
    mtu: 1500,
    state: "up",
    type: "broadcast",
  },
  // Counter above INT64_MAX: osquery cannot store it as a BIGINT.
  eth0: {
    addresses: [],
    counters: { bytes_received: 18446744073709551615, bytes_sent: 1, packets_received: 2, packets_sent: 3 },
    hwaddr: "52:54:00:12:34:56",
    mtu: 9000,
    state: "up",
    type: "broadcast",
  },
};

export const POOL = {
  config: { size: "30GiB", source: "/var/snap/lxd/common/lxd/disks/default.img", "zfs.pool_name": "default" },
  description: "",
  name: "default",
  driver: "zfs",
  used_by: ["/1.0/instances/web", "/1.0/profiles/default"],
  status: "Created",
  locations: ["none"],
};
const POOL_RESOURCES = { space: { used: 1934823424, total: 31138512896 }, inodes: { used: 80021, total: 60663942 } };

export const CLUSTER = {
  server_name: "node1",
  enabled: true,
  member_config: [
    { entity: "storage-pool", name: "local", key: "source", value: "", description: '"source" property for storage pool "local"' },
    { entity: "storage-pool", name: "local", key: "zfs.pool_name", value: "tank/lxd", description: '"zfs.pool_name" property for storage pool "local"' },
  ],
};

export const MEMBERS: Record<string, unknown> = {
  node1: { server_name: "node1", url: "https://10.0.0.11:8443", database: true, status: "Online", message: "Fully operational", roles: ["database"], architecture: "x86_64", failure_domain: "default", description: "", config: {}, groups: ["default"] },
  node2: { server_name: "node2", url: "https://10.0.0.12:8443", database: false, status: "Offline", message: "No heartbeat for 2m", roles: [], architecture: "aarch64", failure_domain: "default", description: "", config: {}, groups: ["default"] },
};

export interface FakeLxd {
  readonly socket: string;
  readonly requests: string[];
  stop(): void;
}

function route(path: string): unknown | undefined {
  const parts = path.split("?")[0]!.split("/").filter(Boolean).map(decodeURIComponent);
  const [v, kind, name, sub] = parts;
  if (v !== "1.0") return undefined;
  if (kind === "containers") {
    if (name === undefined) return Object.keys(INSTANCES).map((n) => `/1.0/containers/${n}`);
    if (sub === undefined) return INSTANCES[name];
    if (sub === "metadata") return INSTANCE_METADATA[name];
    if (sub === "state") return INSTANCE_STATE[name];
  }
  if (kind === "images") {
    if (name === undefined) return Object.keys(IMAGES).map((f) => `/1.0/images/${f}`);
    // LXD accepts any unique fingerprint prefix.
    const matches = Object.keys(IMAGES).filter((f) => f.startsWith(name));
    return matches.length === 1 ? IMAGES[matches[0]!] : undefined;
  }
  if (kind === "certificates") return name === undefined ? [`/1.0/certificates/${CERT_FP}`] : name === CERT_FP ? CERTIFICATE : undefined;
  if (kind === "networks") {
    if (name === undefined) return Object.keys(NETWORKS).map((n) => `/1.0/networks/${n}`);
    return sub === "state" ? NETWORK_STATE[name] : NETWORKS[name];
  }
  if (kind === "storage-pools") {
    if (name === undefined) return ["/1.0/storage-pools/default"];
    if (name !== "default") return undefined;
    return sub === "resources" ? POOL_RESOURCES : POOL;
  }
  if (kind === "cluster") {
    if (name === undefined) return CLUSTER;
    if (name === "members") return sub === undefined ? Object.keys(MEMBERS).map((n) => `/1.0/cluster/members/${n}`) : MEMBERS[sub];
  }
  return undefined;
}

/** Starts the fake API; `overrides` replace the answers for whole paths. */
export function startFakeLxd(overrides: Record<string, unknown> = {}): FakeLxd {
  const dir = mkdtempSync(join(tmpdir(), "osq-lxd-"));
  const socket = join(dir, "unix.socket");
  const requests: string[] = [];
  const server: Server<undefined> = Bun.serve({
    unix: socket,
    fetch(req) {
      const url = new URL(req.url);
      const path = url.pathname + url.search;
      requests.push(`${req.method} ${path}`);
      const body = path in overrides ? overrides[path] : route(path);
      return body === undefined ? notFound() : Response.json(sync(body));
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
