// ycloud_instance_metadata: detection on fixture DMI trees, the metadata
// service served by Bun.serve on 127.0.0.1 (never 169.254.169.254), and the
// off-cloud rule: no endpoint named and no Yandex DMI data, no request at all.
// That rule is checked on any host: in a mount namespace whose DMI tree is a
// fixture (the real one hidden) and whose network is private, the generator
// and the binary run under strace, which records every connect(2) they try.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isYandexCloudHost } from "../../../tables/cloud/detect.ts";
import { yCloudInstanceMetadata, zoneId } from "../../../tables/cloud/ycloud.ts";
import table from "../../../tables/cloud/ycloud_instance_metadata.ts";
import { OSQUERYI, generate } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";
import { queryAsync } from "../apps/e2e.ts";

const DOC = {
  attributes: { "serial-port-enable": "1", "ssh-keys": "ubuntu:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests admin@example" },
  description: "build runner",
  disks: [{ deviceName: "fhm0disk", index: 0, mode: "READ_WRITE", type: "PERSISTENT" }],
  hostname: "runner-1.ru-central1.internal",
  id: "fhm1a2b3c4d5e6f7g8h9",
  name: "runner-1",
  networkInterfaces: [{ ip: "10.128.0.5", mac: "d0:0d:1a:2b:3c:4d" }],
  zone: "projects/b1g1slgali4fssudpn26/zones/ru-central1-a",
  vendor: { cloudId: "b1gcloud0123456789ab", folderId: "b1g1slgali4fssudpn26", labels: {} },
};

const tmp = mkdtempSync(join(tmpdir(), "osq-ycloud-"));
let server: Server<undefined>;
let base: string;
let requests: { path: string; flavor: string | null }[];
beforeAll(() => {
  requests = [];
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      requests.push({ path: url.pathname + url.search, flavor: req.headers.get("metadata-flavor") });
      const prefix = url.pathname.split("/computeMetadata")[0];
      if (req.headers.get("metadata-flavor") !== "Google") return new Response("missing header", { status: 403 });
      if (prefix === "/array") return Response.json([DOC]);
      if (prefix === "/redirect") return Response.redirect("/computeMetadata/v1/instance/?alt=json&recursive=true", 301);
      if (prefix === "/broken") return new Response("{not json");
      if (prefix === "/gone") return new Response("not found", { status: 404 });
      return Response.json(DOC);
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => {
  server.stop(true);
  rmSync(tmp, { recursive: true, force: true });
});

function dmi(name: string, files: Record<string, string>): string {
  const root = join(tmp, name);
  for (const [f, v] of Object.entries(files)) {
    mkdirSync(join(root, "sys/class/dmi/id"), { recursive: true });
    writeFileSync(join(root, "sys/class/dmi/id", f), `${v}\n`);
  }
  return root;
}

describe("ycloud_instance_metadata", () => {
  test("detection from DMI", () => {
    expect(isYandexCloudHost(dmi("yc", { sys_vendor: "Yandex", product_name: "xeon-gold-6230" }))).toBe(true);
    expect(isYandexCloudHost(dmi("yc-bios", { bios_vendor: "Yandex Cloud" }))).toBe(true);
    expect(isYandexCloudHost(dmi("qemu", { sys_vendor: "QEMU", product_name: "Standard PC (Q35 + ICH9, 2009)" }))).toBe(false);
    expect(isYandexCloudHost(join(tmp, "none"))).toBe(false);
  });

  test("zone ids (osquery's own cases)", () => {
    expect(zoneId("projects/b1g1slgali4fssudpn26/zones/ru-central1-a")).toBe("ru-central1-a");
    expect(zoneId("projects/b1g1slgali4fssudpn26/zones-ru-central1-a")).toBe("");
    expect(zoneId("ru-central1-a")).toBe("");
  });

  test("a named endpoint is asked with the GCE-style path and header", async () => {
    requests = [];
    const rows = await yCloudInstanceMetadata([base], false);
    expect(requests).toEqual([{ path: "/computeMetadata/v1/instance/?alt=json&recursive=true", flavor: "Google" }]);
    expect(rows).toEqual([
      {
        instance_id: DOC.id,
        folder_id: DOC.vendor.folderId,
        cloud_id: DOC.vendor.cloudId,
        name: DOC.name,
        description: DOC.description,
        hostname: DOC.hostname,
        zone: "ru-central1-a",
        ssh_public_key: DOC.attributes["ssh-keys"],
        serial_port_enabled: "1",
        metadata_endpoint: base,
      },
    ]);
  });

  test("endpoints that fail give no row: not 200, a redirect, not JSON, not an object, unreachable", async () => {
    const bad = [`${base}/gone`, `${base}/redirect`, `${base}/broken`, `${base}/array`, "http://127.0.0.1:1"];
    expect(await yCloudInstanceMetadata(bad, false)).toEqual([]);
    const rows = await yCloudInstanceMetadata([`${base}/gone`, base], false);
    expect(rows.map((r) => r.metadata_endpoint)).toEqual([base]);
  });

  test("not detected and no endpoint named: the function gives no rows and sends no request", async () => {
    const real = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = Object.assign(async () => {
      calls++;
      throw new Error("no network in this test");
    }, real);
    try {
      expect(await yCloudInstanceMetadata([], false)).toEqual([]);
    } finally {
      globalThis.fetch = real;
    }
    expect(calls).toBe(0);
  });

  test("the generator honours metadata_endpoint = constraints", async () => {
    const rows = await generate(table, { metadata_endpoint: [["=", base]] });
    expect(rows.map((r) => [r.instance_id, r.metadata_endpoint])).toEqual([[DOC.id, base]]);
  });

  test("e2e: the binary asks the named endpoint", async () => {
    const rows = await queryAsync(`select instance_id, zone, serial_port_enabled, metadata_endpoint from ycloud_instance_metadata where metadata_endpoint = '${base}'`);
    expect(rows).toEqual([{ instance_id: DOC.id, zone: "ru-central1-a", serial_port_enabled: "1", metadata_endpoint: base }]);
  });

  /**
   * Runs the generator (through ycloud_probe.ts) and the binary in a private
   * mount and network namespace whose /sys/class holds only a DMI tree with
   * `vendor` as sys_vendor (none when null); returns each one's rows and the
   * connect(2) calls strace saw it make to the metadata address.
   */
  function inFixtureHost(vendor: string | null): { generator: unknown[]; binary: unknown[]; generatorConnects: string[]; binaryConnects: string[] } {
    if (!Bun.which("strace")) throw new Error("strace is missing (Debian package strace): it records the requests the table tries");
    const scratch = mkdtempSync(join(tmp, "ns-"));
    const trace = (name: string) => join(scratch, name);
    const traced = (name: string, argv: string[]) => `strace -f -qq -e trace=connect -o ${sh(trace(name))} ${argv.map(sh).join(" ")}`;
    const outs = inMountNamespace(
      [
        // A tmpfs over /sys/class hides the host's DMI data, whatever cloud it runs on.
        "mount -t tmpfs osq-ycloud /sys/class",
        "mkdir -p /sys/class/dmi/id",
        ...(vendor === null ? [] : [`echo ${sh(vendor)} > /sys/class/dmi/id/sys_vendor`]),
      ],
      [
        traced("generator", [process.execPath, join(import.meta.dir, "ycloud_probe.ts")]),
        traced("binary", [OSQUERYI, "--json", "select * from ycloud_instance_metadata"]),
      ],
      { privateNetwork: true },
    );
    const connects = (name: string) => readFileSync(trace(name), "utf8").split("\n").filter((l) => l.includes("169.254.169.254"));
    return {
      generator: JSON.parse(outs[0] ?? "") as unknown[],
      binary: JSON.parse(outs[1] ?? "") as unknown[],
      generatorConnects: connects("generator"),
      binaryConnects: connects("binary"),
    };
  }

  test("off-cloud on any host (DMI hidden): the generator and the binary give no rows and try no connection", () => {
    const r = inFixtureHost(null);
    expect(r).toEqual({ generator: [], binary: [], generatorConnects: [], binaryConnects: [] });
  });

  test("the same harness sees the request a Yandex DMI vendor makes (so the off-cloud check can fail)", () => {
    const r = inFixtureHost("Yandex");
    // The private network has no route: the request is tried, fails, and gives no row.
    expect(r.generator).toEqual([]);
    expect(r.binary).toEqual([]);
    expect(r.generatorConnects.length).toBeGreaterThan(0);
    expect(r.binaryConnects.length).toBeGreaterThan(0);
  });
});
