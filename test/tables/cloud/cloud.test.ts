// ec2_* and azure_* tables. Detection is tested on fixture /sys trees; the
// metadata services are Bun.serve servers on 127.0.0.1 (no test talks to
// 169.254.169.254). Off-cloud, the generators must not call fetch at all.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { signV4 } from "../../../src/aws/sigv4.ts";
import { azureInstanceMetadata, azureInstanceTags, parseAzureTags } from "../../../tables/cloud/azure.ts";
import { isAzureHost, isEc2Host, isYandexCloudHost } from "../../../tables/cloud/detect.ts";

/** The constant Azure writes into every VM's DMI chassis asset tag. */
const AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77";
import { ec2InstanceMetadata, ec2InstanceTags, parseDescribeTags } from "../../../tables/cloud/ec2.ts";
import { parseCredentialsFile } from "../../../src/aws/profile.ts";
import { tables } from "../../../tables/cloud/index.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-cloud-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixtureRoot(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("detection from local files", () => {
  test("EC2", () => {
    expect(isEc2Host(fixtureRoot("xen", { "sys/hypervisor/uuid": "ec2e1916-9099-7caf-fd21-012345abcdef\n" }))).toBe(true);
    expect(isEc2Host(fixtureRoot("nitro", { "sys/class/dmi/id/sys_vendor": "Amazon EC2\n", "sys/class/dmi/id/product_uuid": "EC2E1916-9099\n" }))).toBe(true);
    expect(isEc2Host(fixtureRoot("hvm", { "sys/class/dmi/id/bios_version": "4.11.amazon\n" }))).toBe(true);
    expect(isEc2Host(fixtureRoot("uuid-only", { "sys/class/dmi/id/product_uuid": "ec2a0b1c-0000\n" }))).toBe(true);
    expect(isEc2Host(fixtureRoot("kvm", { "sys/class/dmi/id/sys_vendor": "QEMU\n", "sys/hypervisor/uuid": "a1b2c3\n" }))).toBe(false);
    expect(isEc2Host(join(dir, "empty"))).toBe(false);
  });

  test("Azure", () => {
    // osquery's isAzureInstance looks at the agent's log only, not at the DMI asset tag.
    expect(isAzureHost(fixtureRoot("az", { "sys/class/dmi/id/chassis_asset_tag": `${AZURE_ASSET_TAG}\n` }))).toBe(false);
    expect(isAzureHost(fixtureRoot("az-agent", { "var/log/waagent.log": "started\n" }))).toBe(true);
    expect(isAzureHost(fixtureRoot("not-az", { "sys/class/dmi/id/chassis_asset_tag": "No Asset Tag\n" }))).toBe(false);
  });

  test("this host, checked with grep", () => {
    const sh = (cmd: string) => Bun.spawnSync(["sh", "-c", cmd]).exitCode === 0;
    const ec2 =
      sh("grep -qi '^ec2' /sys/hypervisor/uuid 2>/dev/null") ||
      sh("cat /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/board_vendor /sys/class/dmi/id/bios_vendor /sys/class/dmi/id/product_version /sys/class/dmi/id/bios_version 2>/dev/null | grep -qi amazon") ||
      sh("grep -qi '^ec2' /sys/class/dmi/id/product_uuid 2>/dev/null");
    const azure = sh("test -e /var/log/waagent.log || test -L /var/log/waagent.log");
    expect(isEc2Host()).toBe(ec2);
    expect(isAzureHost()).toBe(azure);
  });
});

describe("off-cloud", () => {
  test("the pure functions send nothing when not detected", async () => {
    let hits = 0;
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (hits++, new Response("x")) });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect(await ec2InstanceMetadata(base, false)).toEqual([]);
      expect(await ec2InstanceTags(base, false)).toEqual([]);
      expect(await azureInstanceMetadata(base, false)).toEqual([]);
      expect(await azureInstanceTags(base, false)).toEqual([]);
      expect(hits).toBe(0);
    } finally {
      server.stop(true);
    }
  });

  test("with every cloud marker hidden, the generators and the binary give no rows and send nothing", () => {
    // A private mount namespace hides the DMI vendor strings, /sys/hypervisor and
    // the Azure agent's log, so this holds on a cloud VM too; the host is untouched.
    const scratch = mkdtempSync(join(tmpdir(), "osq-offcloud-"));
    try {
      const names = tables.map((t) => t.name);
      const outs = inMountNamespace(
        [
          "if [ -d /sys/class/dmi ]; then mount -t tmpfs osq-cloud /sys/class/dmi; fi",
          "if [ -d /sys/hypervisor ]; then mount -t tmpfs osq-cloud /sys/hypervisor; fi",
          ...overlay("/var/log", scratch),
          "rm -f /var/log/waagent.log",
        ],
        [`${sh(process.execPath)} ${sh(join(import.meta.dir, "offcloud_probe.ts"))}`, ...names.map((t) => `${sh(OSQUERYI)} --json ${sh(`select * from ${t}`)}`)],
      );
      const probe = JSON.parse(outs[0] ?? "") as { rows: Record<string, number>; calls: number };
      expect(probe).toEqual({ rows: Object.fromEntries(names.map((t) => [t, 0])), calls: 0 });
      expect(names.map((t, i) => `${t}:${(JSON.parse(outs[i + 1] ?? "") as unknown[]).length}`)).toEqual(names.map((t) => `${t}:0`));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe("SigV4", () => {
  test("AWS's documented S3 GET example", () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "Example: GET Object".
    const headers = signV4({
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: { range: "bytes=0-9" },
      body: "",
      region: "us-east-1",
      service: "s3",
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      date: new Date(Date.UTC(2013, 4, 24)),
      contentSha256Header: true,
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });
});

const DOC = {
  accountId: "123456789012",
  architecture: "x86_64",
  availabilityZone: "eu-west-1b",
  imageId: "ami-0abcdef1234567890",
  instanceId: "i-0123456789abcdef0",
  instanceType: "m5.large",
  privateIp: "10.0.1.23",
  region: "eu-west-1",
  pendingTime: "2024-01-01T00:00:00Z",
  version: "2017-09-30",
};

interface FakeImds {
  readonly base: string;
  readonly seen: string[];
  stop(): void;
}

/** IMDS + the regional EC2 API on one local server. v2Only rejects token-less reads; noToken breaks the token endpoint. */
function startImds(mode: { v2Only?: boolean; noToken?: boolean } = {}): FakeImds {
  const seen: string[] = [];
  const TOKEN = "AQAEAFake-token==";
  const meta: Record<string, string> = {
    "/latest/dynamic/instance-identity/document": JSON.stringify(DOC, null, 2),
    "/latest/meta-data/iam/info": JSON.stringify({ Code: "Success", InstanceProfileArn: "arn:aws:iam::123456789012:instance-profile/web", InstanceProfileId: "AIPA" }),
    "/latest/meta-data/mac": "0a:1b:2c:3d:4e:5f",
    "/latest/meta-data/local-hostname": "ip-10-0-1-23.eu-west-1.compute.internal",
    "/latest/meta-data/public-keys/0/openssh-key": "ssh-ed25519 AAAAC3Nza key@host\n",
    "/latest/meta-data/reservation-id": "r-0fedcba9876543210",
    "/latest/meta-data/security-groups": "web\nssh-in",
    "/latest/meta-data/iam/security-credentials/": "web-role",
    "/latest/meta-data/iam/security-credentials/web-role": JSON.stringify({ Code: "Success", AccessKeyId: "ASIAFAKE", SecretAccessKey: "fake/secret", Token: "session-token" }),
  };
  const server: Server<unknown> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const token = req.headers.get("x-aws-ec2-metadata-token");
      seen.push(`${req.method} ${url.pathname}${token ? " +token" : ""}`);
      if (url.pathname === "/latest/api/token") {
        if (req.method !== "PUT" || mode.noToken) return new Response("", { status: 403 });
        if (req.headers.get("x-aws-ec2-metadata-token-ttl-seconds") !== "21600") return new Response("", { status: 400 });
        return new Response(TOKEN);
      }
      if (url.pathname === "/ec2-api/" && req.method === "POST") {
        const body = await req.text();
        const auth = req.headers.get("authorization") ?? "";
        // Re-sign what arrived with the (vector-checked) signer and compare.
        const expected = signV4({
          method: "POST",
          url,
          headers: { "content-type": req.headers.get("content-type") ?? "" },
          body,
          region: "eu-west-1",
          service: "ec2",
          credentials: { accessKeyId: "ASIAFAKE", secretAccessKey: "fake/secret", sessionToken: "session-token" },
          date: new Date(Date.UTC(2024, 4, 1, 12, 0, 0)),
        }).authorization;
        if (auth !== expected || req.headers.get("x-amz-security-token") !== "session-token") return new Response("<Error>auth</Error>", { status: 401 });
        const params = new URLSearchParams(body);
        if (params.get("Action") !== "DescribeTags" || params.get("Filter.1.Value.1") !== DOC.instanceId) return new Response("", { status: 400 });
        return new Response(
          `<?xml version="1.0" encoding="UTF-8"?>
<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <tagSet>
    <item><resourceId>${DOC.instanceId}</resourceId><resourceType>instance</resourceType><key>Name</key><value>web &amp; api</value></item>
    <item><resourceId>${DOC.instanceId}</resourceId><resourceType>instance</resourceType><key>empty</key><value/></item>
  </tagSet>
</DescribeTagsResponse>`,
          { headers: { "content-type": "text/xml;charset=UTF-8" } },
        );
      }
      if (mode.v2Only && token !== TOKEN) return new Response("", { status: 401 });
      const body = meta[url.pathname];
      return body === undefined ? new Response("Not Found", { status: 404 }) : new Response(body);
    },
  });
  return { base: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

describe("ec2_instance_metadata", () => {
  test("reads every field with an IMDSv2 token", async () => {
    const imds = startImds({ v2Only: true });
    try {
      const rows = await ec2InstanceMetadata(imds.base, true);
      expect(rows).toEqual([
        {
          instance_id: DOC.instanceId, instance_type: DOC.instanceType, architecture: DOC.architecture, region: DOC.region,
          availability_zone: DOC.availabilityZone, local_hostname: "ip-10-0-1-23.eu-west-1.compute.internal", local_ipv4: DOC.privateIp,
          mac: "0a:1b:2c:3d:4e:5f", security_groups: "web,ssh-in", iam_arn: "arn:aws:iam::123456789012:instance-profile/web",
          ami_id: DOC.imageId, reservation_id: "r-0fedcba9876543210", account_id: DOC.accountId, ssh_public_key: "ssh-ed25519 AAAAC3Nza key@host",
        },
      ]);
      expect(imds.seen[0]).toBe("PUT /latest/api/token");
      expect(imds.seen.slice(1).every((s) => s.endsWith("+token"))).toBe(true);
    } finally {
      imds.stop();
    }
  });

  test("falls back to IMDSv1 when no token can be had", async () => {
    const imds = startImds({ noToken: true });
    try {
      const [row] = await ec2InstanceMetadata(imds.base, true);
      expect(row!.instance_id).toBe(DOC.instanceId);
      expect(imds.seen.filter((s) => s.startsWith("GET")).every((s) => !s.endsWith("+token"))).toBe(true);
    } finally {
      imds.stop();
    }
  });

  test("an unreachable service still gives osquery's one row, every column NULL", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const base = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const rows = await ec2InstanceMetadata(base, true);
    expect(rows.length).toBe(1);
    expect(Object.values(rows[0]!).every((v) => v === undefined)).toBe(true);
  });

  test("a 404 is an empty value, another status leaves the column NULL", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === "/latest/api/token") return new Response("tok");
        if (path === "/latest/meta-data/mac") return new Response("", { status: 404 });
        if (path === "/latest/dynamic/instance-identity/document") return new Response(JSON.stringify({ instanceId: "i-1" }));
        return new Response("boom", { status: 500 });
      },
    });
    try {
      const [row] = await ec2InstanceMetadata(`http://127.0.0.1:${server.port}`, true);
      expect(row!.mac).toBe("");
      expect(row!.instance_id).toBe("i-1");
      // Present document, missing key: "" as osquery's get(key, "") gives.
      expect(row!.region).toBe("");
      expect(row!.local_hostname).toBeUndefined();
      expect(row!.iam_arn).toBeUndefined();
    } finally {
      server.stop(true);
    }
  });
});

describe("ec2_instance_tags", () => {
  test("DescribeTags signed with the instance profile's credentials", async () => {
    const imds = startImds({ v2Only: true });
    try {
      const rows = await ec2InstanceTags(imds.base, true, {
        endpoint: () => `${imds.base}/ec2-api/`,
        env: {},
        home: join(dir, "no-home"),
        now: () => new Date(Date.UTC(2024, 4, 1, 12, 0, 0)),
      });
      expect(rows).toEqual([
        { instance_id: DOC.instanceId, key: "Name", value: "web & api" },
        { instance_id: DOC.instanceId, key: "empty", value: "" },
      ]);
      expect(imds.seen).toContain("GET /latest/meta-data/iam/security-credentials/web-role +token");
    } finally {
      imds.stop();
    }
  });

  test("credentials from the environment and the shared file come first", async () => {
    const imds = startImds();
    try {
      // Wrong keys: the fake API refuses the signature, so no rows, and IMDS credentials are never read.
      const rows = await ec2InstanceTags(imds.base, true, {
        endpoint: () => `${imds.base}/ec2-api/`,
        env: { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "env-secret" },
        now: () => new Date(Date.UTC(2024, 4, 1, 12, 0, 0)),
      });
      expect(rows).toEqual([]);
      expect(imds.seen.some((s) => s.includes("security-credentials"))).toBe(false);
    } finally {
      imds.stop();
    }
    expect(parseCredentialsFile("[default]\naws_access_key_id = AK\naws_secret_access_key=SK # c\n[other]\naws_access_key_id=X\n", "default")).toEqual({
      accessKeyId: "AK",
      secretAccessKey: "SK",
    });
    expect(parseCredentialsFile("[other]\naws_access_key_id=X\naws_secret_access_key=Y\n", "default")).toBeUndefined();
  });

  test("tagSet parsing", () => {
    expect(parseDescribeTags("<tagSet><item><key>a&lt;b</key><value>&#65;</value></item></tagSet>")).toEqual([{ key: "a<b", value: "A" }]);
    expect(parseDescribeTags("<Response/>")).toEqual([]);
  });
});

describe("azure tables", () => {
  const COMPUTE = {
    location: "westeurope", name: "vm1", offer: "0001-com-ubuntu-server-jammy", osType: "Linux", placementGroupId: "",
    platformFaultDomain: "0", platformUpdateDomain: "0", publisher: "Canonical", resourceGroupName: "rg1", sku: "22_04-lts-gen2",
    subscriptionId: "8d10da13-8125-4ba9-a717-bf7490507b3d", tags: "Department:IT;Env:prod;url:https://x:1;Empty:;junk", version: "22.04.202401010",
    vmId: "13f56399-bd52-4150-9748-7190aae1ff21", vmScaleSetName: "", vmSize: "Standard_B2s", zone: "1",
  };
  let server: Server<unknown>;
  let base: string;
  const seen: string[] = [];
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const url = new URL(req.url);
        seen.push(url.pathname + url.search);
        if (req.headers.get("metadata") !== "true") return new Response("Bad request", { status: 400 });
        if (url.pathname !== "/metadata/instance/compute" || url.searchParams.get("api-version") !== "2018-02-01") return new Response("", { status: 404 });
        return Response.json(COMPUTE);
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop(true));

  test("azure_instance_metadata", async () => {
    expect(await azureInstanceMetadata(base, true)).toEqual([
      {
        location: "westeurope", name: "vm1", offer: COMPUTE.offer, publisher: "Canonical", sku: COMPUTE.sku, version: COMPUTE.version,
        os_type: "Linux", platform_update_domain: "0", platform_fault_domain: "0", vm_id: COMPUTE.vmId, vm_size: "Standard_B2s",
        subscription_id: COMPUTE.subscriptionId, resource_group_name: "rg1", placement_group_id: "", vm_scale_set_name: "", zone: "1",
      },
    ]);
    expect(seen).toContain("/metadata/instance/compute?api-version=2018-02-01");
  });

  test("azure_instance_tags", async () => {
    expect(await azureInstanceTags(base, true)).toEqual([
      { vm_id: COMPUTE.vmId, key: "Department", value: "IT" },
      { vm_id: COMPUTE.vmId, key: "Env", value: "prod" },
      { vm_id: COMPUTE.vmId, key: "url", value: "https://x:1" },
      { vm_id: COMPUTE.vmId, key: "Empty", value: "" },
    ]);
    expect(parseAzureTags("")).toEqual([]);
  });

  test("a refused or broken service gives no rows", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("not json") });
    try {
      expect(await azureInstanceMetadata(`http://127.0.0.1:${closed.port}`, true)).toEqual([]);
      expect(await azureInstanceTags(`http://127.0.0.1:${closed.port}`, true)).toEqual([]);
    } finally {
      closed.stop(true);
    }
  });
});

