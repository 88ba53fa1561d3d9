// lxd_* tables against a fake LXD API on a temp Unix socket (fake_lxd.ts):
// every column from the JSON the fake serves, the rows and columns osquery
// drops when fields are missing, constraint routing, and no rows (and no
// error) without a socket. End to end, the binary is pointed at the fake
// socket once it knows osquery's --lxd_socket flag; until then it must
// answer with no rows from the default socket path, which is absent here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LXD_SOCKET, lxdSocketPath } from "../../../src/linux/lxd.ts";
import { tables } from "../../../tables/lxd/index.ts";
import { lxdCertificatesRows } from "../../../tables/lxd/lxd_certificates.ts";
import { lxdClusterRows } from "../../../tables/lxd/lxd_cluster.ts";
import { lxdClusterMembersRows } from "../../../tables/lxd/lxd_cluster_members.ts";
import { lxdImagesRows } from "../../../tables/lxd/lxd_images.ts";
import { lxdInstanceConfigRows } from "../../../tables/lxd/lxd_instance_config.ts";
import { lxdInstanceDevicesRows } from "../../../tables/lxd/lxd_instance_devices.ts";
import { lxdInstancesRows } from "../../../tables/lxd/lxd_instances.ts";
import { lxdNetworksRows, networkUser } from "../../../tables/lxd/lxd_networks.ts";
import { lxdStoragePoolsRows } from "../../../tables/lxd/lxd_storage_pools.ts";
import { generate, osq, OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { flags } from "../../../src/flags/flags.ts";
import { queryAsync } from "../apps/e2e.ts";
import { CERT_FP, CERTIFICATE, CLUSTER, IMAGE_FP, IMAGES, INSTANCES, MEMBERS, NETWORKS, POOL, startFakeLxd, type FakeLxd } from "./fake_lxd.ts";

type Obj = Record<string, unknown>;
const o = (v: unknown) => v as Obj;

let lxd: FakeLxd;
beforeAll(() => {
  lxd = startFakeLxd();
});
afterAll(() => lxd.stop());

describe("lxd_instances", () => {
  test("every container with image properties and state; one without a base image is dropped", async () => {
    const rows = await lxdInstancesRows([], lxd.socket);
    const web = o(INSTANCES.web);
    expect(rows).toEqual([
      {
        name: "web",
        status: web.status as string,
        stateful: 0,
        ephemeral: 0,
        created_at: web.created_at as string,
        base_image: IMAGE_FP,
        description: "Ubuntu jammy amd64 (20240501_07:42)",
        os: "Ubuntu",
        architecture: "amd64",
        pid: 12345,
        processes: 27,
      },
      // db's image metadata lacks os and its state lacks processes: the columns read before stay.
      { name: "db", status: "Stopped", stateful: 1, ephemeral: 1, created_at: "2024-05-03T11:00:00Z", base_image: IMAGE_FP, description: "custom image", pid: 0 },
    ]);
    expect(lxd.requests).toContain("GET /1.0/containers");
    expect(lxd.requests).toContain("GET /1.0/containers/web/state");
  });

  test("name = constraints fetch only those containers", async () => {
    lxd.requests.length = 0;
    const rows = await lxdInstancesRows(["web", "missing"], lxd.socket);
    expect(rows.map((r) => r.name)).toEqual(["web"]);
    expect(lxd.requests).not.toContain("GET /1.0/containers");
    expect(lxd.requests).toContain("GET /1.0/containers/missing");
  });
});

describe("constraint order", () => {
  test("name constraints are fetched once each in byte order, as osquery's std::set gives them", async () => {
    const config = tables.find((t) => t.name === "lxd_instance_config")!;
    flags.set("lxd_socket", lxd.socket, "cli");
    try {
      lxd.requests.length = 0;
      const rows = await generate(config, { name: [["=", "web"], ["=", "db"], ["=", "web"]] });
      expect([...new Set(rows.map((r) => r.name))]).toEqual(["db", "web"]);
      expect(lxd.requests.filter((r) => r.startsWith("GET /1.0/containers/"))).toEqual(["GET /1.0/containers/db", "GET /1.0/containers/web"]);
    } finally {
      flags.set("lxd_socket", DEFAULT_LXD_SOCKET, "cli");
    }
  });
});

describe("lxd_instance_config / lxd_instance_devices", () => {
  test("config keys of the named containers", async () => {
    const rows = await lxdInstanceConfigRows(["web", "db", "missing"], lxd.socket);
    const expected = ["web", "db"].flatMap((name) => Object.entries(o(o(INSTANCES[name]).config)).map(([key, value]) => ({ name, key, value: String(value) })));
    expect(rows).toEqual(expected);
    expect(await lxdInstanceConfigRows([], lxd.socket)).toEqual([]);
  });

  test("expanded devices, one row per setting except type", async () => {
    const rows = await lxdInstanceDevicesRows(["web"], lxd.socket);
    expect(rows).toEqual([
      { name: "web", device: "eth0", device_type: "nic", key: "name", value: "eth0" },
      { name: "web", device: "eth0", device_type: "nic", key: "network", value: "lxdbr0" },
      { name: "web", device: "root", device_type: "disk", key: "path", value: "/" },
      { name: "web", device: "root", device_type: "disk", key: "pool", value: "default" },
      { name: "web", device: "root", device_type: "disk", key: "size", value: "10GiB" },
    ]);
  });
});

describe("lxd_images", () => {
  const img = o(IMAGES[IMAGE_FP]);
  const src = o(img.update_source);
  const expected = {
    id: IMAGE_FP,
    architecture: "x86_64",
    os: "ubuntu",
    release: "jammy",
    description: o(img.properties).description as string,
    aliases: "jammy,ubuntu/22.04",
    filename: img.filename as string,
    size: 458236592n,
    auto_update: 1,
    cached: 1,
    public: 0,
    created_at: img.created_at as string,
    expires_at: img.expires_at as string,
    uploaded_at: img.uploaded_at as string,
    last_used_at: img.last_used_at as string,
    update_source_server: src.server as string,
    update_source_protocol: "simplestreams",
    update_source_certificate: "",
    update_source_alias: "22.04",
  };

  test("all images; one without update_source is dropped", async () => {
    expect(await lxdImagesRows([], lxd.socket)).toEqual([expected]);
  });

  test("id = constraint: fetched directly, reported as given (a fingerprint prefix)", async () => {
    expect(await lxdImagesRows([IMAGE_FP.slice(0, 12)], lxd.socket)).toEqual([{ ...expected, id: IMAGE_FP.slice(0, 12) }]);
  });
});

describe("lxd_certificates, lxd_networks, lxd_storage_pools", () => {
  test("certificates", async () => {
    expect(await lxdCertificatesRows(lxd.socket)).toEqual([{ name: "admin-laptop", type: "client", fingerprint: CERT_FP, certificate: CERTIFICATE.certificate }]);
  });

  test("networks: addresses, users as instance names, counters; a counter above INT64_MAX is NULL", async () => {
    const br = o(NETWORKS.lxdbr0);
    expect(await lxdNetworksRows(lxd.socket)).toEqual([
      {
        name: "lxdbr0",
        type: "bridge",
        managed: 1,
        ipv4_address: o(br.config)["ipv4.address"] as string,
        ipv6_address: o(br.config)["ipv6.address"] as string,
        used_by: "web,/1.0/profiles/default,db,other?project=dev",
        bytes_received: 9846214n,
        bytes_sent: 183264917n,
        packets_received: 81234n,
        packets_sent: 95123n,
        hwaddr: "00:16:3e:aa:bb:cc",
        state: "up",
        mtu: 1500,
      },
      { name: "eth0", type: "physical", managed: 0, ipv4_address: "", ipv6_address: "", used_by: "", bytes_received: null, bytes_sent: 1n, packets_received: 2n, packets_sent: 3n, hwaddr: "52:54:00:12:34:56", state: "up", mtu: 9000 },
    ]);
    expect(networkUser("/1.0/containers/c1")).toBe("c1");
    expect(networkUser("/1.0/instances/vm1")).toBe("vm1");
  });

  test("storage pools with their resources", async () => {
    expect(await lxdStoragePoolsRows(lxd.socket)).toEqual([
      { name: "default", driver: POOL.driver, source: POOL.config.source, size: "30GiB", space_used: 1934823424n, space_total: 31138512896n, inodes_used: 80021n, inodes_total: 60663942n },
    ]);
  });
});

describe("lxd_cluster, lxd_cluster_members", () => {
  test("one cluster row carrying the last member_config entry, as osquery's loop leaves it", async () => {
    const last = CLUSTER.member_config[CLUSTER.member_config.length - 1]!;
    expect(await lxdClusterRows(lxd.socket)).toEqual([
      {
        server_name: "node1",
        enabled: 1,
        member_config_entity: last.entity,
        member_config_name: last.name,
        member_config_key: last.key,
        member_config_value: last.value,
        member_config_description: last.description,
      },
    ]);
  });

  test("members", async () => {
    expect(await lxdClusterMembersRows(lxd.socket)).toEqual(
      Object.values(MEMBERS).map((m) => {
        const x = o(m);
        return { server_name: String(x.server_name), url: String(x.url), database: x.database ? 1 : 0, status: String(x.status), message: String(x.message) };
      }),
    );
  });

  test("a server outside a cluster, and a member_config entry missing a field", async () => {
    const alone = startFakeLxd({ "/1.0/cluster": { server_name: "", enabled: false, member_config: null }, "/1.0/cluster/members": [] });
    const broken = startFakeLxd({ "/1.0/cluster": { server_name: "n", enabled: true, member_config: [{ entity: "storage-pool", name: "x", key: "k" }] } });
    try {
      expect(await lxdClusterRows(alone.socket)).toEqual([{ server_name: "", enabled: 0 }]);
      expect(await lxdClusterMembersRows(alone.socket)).toEqual([]);
      expect(await lxdClusterRows(broken.socket)).toEqual([]);
    } finally {
      alone.stop();
      broken.stop();
    }
  });
});

describe("without LXD", () => {
  test("no socket: every table gives no rows and does not throw", async () => {
    const none = "/nonexistent/lxd/unix.socket";
    expect(await lxdInstancesRows([], none)).toEqual([]);
    expect(await lxdInstancesRows(["web"], none)).toEqual([]);
    expect(await lxdInstanceConfigRows(["web"], none)).toEqual([]);
    expect(await lxdInstanceDevicesRows(["web"], none)).toEqual([]);
    expect(await lxdImagesRows([], none)).toEqual([]);
    expect(await lxdCertificatesRows(none)).toEqual([]);
    expect(await lxdNetworksRows(none)).toEqual([]);
    expect(await lxdStoragePoolsRows(none)).toEqual([]);
    expect(await lxdClusterRows(none)).toEqual([]);
    expect(await lxdClusterMembersRows(none)).toEqual([]);
  });

  test("the registered generators use osquery's default socket", () => {
    expect(lxdSocketPath()).toBe("/var/lib/lxd/unix.socket");
  });
});

describe("e2e", () => {
  test("default socket absent: every lxd table answers with no rows", () => {
    // The default socket is hidden only inside a private mount namespace, so the host's LXD (if any) is untouched.
    const scratch = mkdtempSync(join(tmpdir(), "osq-lxd-ns-"));
    try {
      const selects = tables.map((t) => {
        const where = t.name === "lxd_instance_config" || t.name === "lxd_instance_devices" ? " where name = 'web'" : "";
        return `${sh(OSQUERYI)} --json ${sh(`select * from ${t.name}${where}`)}`;
      });
      const outs = inMountNamespace([...overlay("/var/lib", scratch), "rm -rf /var/lib/lxd"], selects);
      expect(tables.map((t, i) => `${t.name}:${(JSON.parse(outs[i] ?? "") as unknown[]).length}`)).toEqual(tables.map((t) => `${t.name}:0`));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test("--lxd_socket points the binary at the fake API", async () => {
    const flag = [`--lxd_socket=${lxd.socket}`];
    expect(await queryAsync("select name, pid, processes, os from lxd_instances", flag)).toEqual([
      { name: "web", pid: "12345", processes: "27", os: "Ubuntu" },
      { name: "db", pid: "0", processes: "", os: "" },
    ]);
    expect(await queryAsync("select device, key, value from lxd_instance_devices where name = 'web' and device = 'root'", flag)).toEqual([
      { device: "root", key: "path", value: "/" },
      { device: "root", key: "pool", value: "default" },
      { device: "root", key: "size", value: "10GiB" },
    ]);
    expect(await queryAsync("select name, bytes_received from lxd_networks", flag)).toEqual([
      { name: "lxdbr0", bytes_received: "9846214" },
      { name: "eth0", bytes_received: "" },
    ]);
  });
});
