// Only http: and https: URLs are fetched (osquery's HTTP client speaks
// nothing else); Bun's fetch() would otherwise read file:, data: and s3: URLs.
// The local file and the HTTP server are the test's own, on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { httpFetch, httpUrl, UrlRefused } from "../../../src/http.ts";
import { getJsonOverUnix } from "../../../src/linux/unix_http.ts";
import { scrapeTargets } from "../../../tables/apps/prometheus_metrics.ts";
import { azureCompute } from "../../../tables/cloud/azure.ts";
import { fetchYCloudMetadata } from "../../../tables/cloud/ycloud.ts";
import { OSQUERYI } from "../../helpers.ts";

const SECRET = "osq-secret-7f3a9c\n";
let dir: string;
let secretUrl: string;
let server: Server<undefined>;
let base: string;
let hits: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-url-"));
  const secret = join(dir, "secret");
  writeFileSync(secret, SECRET);
  secretUrl = `file://${secret}`;
  hits = 0;
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      hits++;
      if (new URL(req.url).pathname === "/to-file") return new Response(null, { status: 302, headers: { Location: secretUrl } });
      return new Response("served over http\n");
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => {
  server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs osqueryi without blocking this process's event loop (the server runs here). */
async function osqueryi(sql: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([OSQUERYI, "--json", sql], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("httpUrl", () => {
  test("accepts http and https URLs with a host", () => {
    expect(httpUrl("http://127.0.0.1:8080/x").port).toBe("8080");
    expect(httpUrl("HTTPS://example.com/").protocol).toBe("https:");
  });

  test("refuses every other scheme and anything that is not an absolute URL", () => {
    for (const url of ["file:///etc/shadow", "ftp://127.0.0.1/x", "data:text/plain,hi", "blob:x", "s3://bucket/key", "relative/path", "/etc/shadow", "", "http://"]) {
      expect(() => httpUrl(url)).toThrow(UrlRefused);
    }
  });

  test("httpFetch rejects before reading a local file", async () => {
    await expect(httpFetch(secretUrl)).rejects.toThrow(UrlRefused);
  });
});

describe("curl through dist/osqueryi", () => {
  test("file:, ftp:, data: and relative URLs give error rows; http: to 127.0.0.1 is fetched", async () => {
    const urls = [secretUrl, `ftp://127.0.0.1:${server.port}/x`, `data:text/plain;base64,${btoa("inline-payload")}`, "relative/secret", `${base}/ok`];
    const sql = `select url, method, response_code, result, result is null as refused from curl where url in (${urls.map((u) => `'${u}'`).join(", ")})`;
    const r = await osqueryi(sql);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("osq-secret");
    expect(r.stdout).not.toContain("inline-payload");
    const rows = JSON.parse(r.stdout) as Record<string, string>[];
    const byUrl = new Map(rows.map((row) => [row.url, row]));
    expect(rows.length).toBe(5);
    for (const url of urls.slice(0, 4)) {
      expect(byUrl.get(url)).toEqual({ url, method: "GET", response_code: "", result: "", refused: "1" });
    }
    expect(byUrl.get(`${base}/ok`)).toEqual({ url: `${base}/ok`, method: "GET", response_code: "200", result: "served over http\n", refused: "0" });
    expect(hits).toBe(1);
    // One warning line per refused URL, as osquery warns for a failed request.
    const warnings = r.stderr.split("\n").filter((l) => l.includes("Error making request"));
    expect(warnings.length).toBe(4);
    expect(r.stderr).toContain("unsupported URL scheme file:");
  });
});

describe("redirects", () => {
  test("an http: answer redirecting to a file: URL is an error row, not the file", async () => {
    const r = await osqueryi(`select result, result is null as refused from curl where url = '${base}/to-file'`);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("osq-secret");
    expect(JSON.parse(r.stdout)).toEqual([{ result: "", refused: "1" }]);
    expect(r.stderr).toContain("Error making request");
  });
});

describe("every other URL taker", () => {
  test("prometheus targets: a file: target scrapes nothing, the http: one is read", async () => {
    const results = await scrapeTargets([secretUrl, "data:text/plain,leaked 1", `${base}/metrics`], 1);
    expect(results.get(secretUrl)).toEqual({ content: "", timestampMs: 0 });
    expect(results.get("data:text/plain,leaked 1")).toEqual({ content: "", timestampMs: 0 });
    expect(results.get(`${base}/metrics`)?.content).toBe("served over http\n");
  });

  test("cloud metadata bases and the Unix-socket client refuse file: URLs", async () => {
    const doc = join(dir, "doc.json");
    writeFileSync(doc, JSON.stringify({ leaked: "yes" }));
    expect(await azureCompute(`file://${doc}?`)).toBeUndefined();
    expect(await fetchYCloudMetadata(`file://${doc}?`)).toBeUndefined();
    expect(await getJsonOverUnix(`file://${doc}`, doc, { service: "Docker", okStatuses: [200], timeoutMs: 1000 })).toBeUndefined();
  });
});
