// Response bodies that inflate without bound: a server on 127.0.0.1 answers
// with 200 MB of zeros gzipped to a fraction of a megabyte (Content-Encoding:
// gzip, which fetch() decompresses as it reads). curl and prometheus targets
// stop at MAX_BODY_BYTES; a small gzipped body still arrives decompressed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { gzipSync } from "node:zlib";
import { MAX_BODY_BYTES } from "../../../src/http.ts";
import { scrapeTargets } from "../../../tables/apps/prometheus_metrics.ts";
import { OSQUERYI, runWithPeakRss } from "../../helpers.ts";

const BOMB = gzipSync(Buffer.alloc(200 * 1024 * 1024));
const SMALL = "up 1\nhello_total 42\n";

let server: Server<undefined>;
let base: string;
beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/bomb") return new Response(BOMB, { headers: { "Content-Encoding": "gzip", "Content-Type": "text/plain" } });
      return new Response(gzipSync(SMALL), { headers: { "Content-Encoding": "gzip", "Content-Type": "text/plain" } });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

describe("gzip bombs over HTTP", () => {
  test("curl through dist/osqueryi: the bomb is an error row, memory stays bounded, a small gzip body is read", async () => {
    const sql = `select url, response_code, result, bytes from curl where url in ('${base}/bomb', '${base}/small')`;
    const { stdout, stderr, code, peakRssBytes } = await runWithPeakRss([OSQUERYI, "--json", sql]);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Record<string, string>[];
    expect(rows.find((r) => r.url === `${base}/bomb`)).toEqual({ url: `${base}/bomb`, response_code: "", result: "", bytes: "" });
    expect(rows.find((r) => r.url === `${base}/small`)).toEqual({ url: `${base}/small`, response_code: "200", result: SMALL, bytes: String(SMALL.length) });
    expect(stderr).toContain(`Error making request: the response body exceeds ${MAX_BODY_BYTES} bytes`);
    // Baseline is about 55 MB; the whole bomb would be 200 MB as bytes and again as text.
    expect(peakRssBytes).toBeLessThan(55 * 1024 * 1024 + 3 * MAX_BODY_BYTES);
  }, 60_000);

  test("a prometheus target sending the bomb contributes nothing; the other is scraped", async () => {
    const results = await scrapeTargets([`${base}/bomb`, `${base}/small`], 10);
    expect(results.get(`${base}/bomb`)).toEqual({ content: "", timestampMs: 0 });
    expect(results.get(`${base}/small`)?.content).toBe(SMALL);
  }, 60_000);
});
