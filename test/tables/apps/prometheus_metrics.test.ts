// prometheus_metrics: the text-format reading (osquery's own test bodies and
// labelled samples), and real scrapes of a Bun.serve exporter on 127.0.0.1
// (redirects, error bodies, timeouts, duplicate targets). End to end, the
// binary scrapes the targets of a --config_path and has no rows without one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { applyPrometheusTargets, doubleValue, parsePrometheusText, prometheusMetricsRows, scrapeRows, scrapeTargets, setPrometheusTargets } from "../../../tables/apps/prometheus_metrics.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { queryAsync } from "./e2e.ts";

const NODE_EXPORTER = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 0.25
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 1.048576e+06
http_requests_total{method="post",code="200"} 1027 1395066363000
http_request_duration_seconds_bucket{le="+Inf"} 144320
go_gc_duration_seconds{quantile="0.5"}   NaN
 leading_space_metric 3
lonely_name_without_value
`;

let server: Server<undefined>;
let base: string;
let hits: Record<string, number>;
beforeAll(() => {
  hits = {};
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      hits[path] = (hits[path] ?? 0) + 1;
      if (path === "/metrics") return new Response(NODE_EXPORTER, { headers: { "content-type": "text/plain; version=0.0.4" } });
      if (path === "/other") return new Response("up 1\n");
      if (path === "/moved") return Response.redirect("/other", 302);
      if (path === "/slow") {
        await Bun.sleep(1500);
        return new Response("late_metric 1\n");
      }
      return new Response("404 page not found\n", { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => {
  setPrometheusTargets([]);
  server.stop(true);
});

describe("text format", () => {
  test("comments and lines without a value are dropped; labels stay in the name", () => {
    expect(parsePrometheusText(NODE_EXPORTER)).toEqual([
      ["process_cpu_seconds_total", "0.25"],
      ["process_max_fds", "1.048576e+06"],
      ['http_requests_total{method="post",code="200"}', "1027"],
      ['http_request_duration_seconds_bucket{le="+Inf"}', "144320"],
      ['go_gc_duration_seconds{quantile="0.5"}', "NaN"],
      ["leading_space_metric", "3"],
    ]);
    expect(parsePrometheusText("")).toEqual([]);
  });

  test("sample values as osquery's strtod reads them", () => {
    expect(doubleValue("+Inf")).toBe(Infinity);
    expect(doubleValue("-Inf")).toBe(-Infinity);
    expect(doubleValue("NaN")).toBeNull();
    expect(doubleValue("1.3934592e+07")).toBe("1.3934592e+07");
  });
});

describe("scraping 127.0.0.1", () => {
  test("targets are scraped once each, in URL order; redirects followed; error bodies read; timeouts give nothing", async () => {
    hits = {};
    const urls = [`${base}/other`, `${base}/metrics`, `${base}/moved`, `${base}/missing`, `${base}/slow`, `${base}/metrics`];
    const before = Date.now();
    const results = await scrapeTargets(urls, 1);
    expect([...results.keys()]).toEqual([...new Set(urls)].sort());
    expect(hits["/metrics"]).toBe(1);
    expect(results.get(`${base}/moved`)!.content).toBe("up 1\n");
    expect(results.get(`${base}/slow`)!.content).toBe("");
    const rows = scrapeRows(results);
    const byTarget = (t: string) => rows.filter((r) => r.target_name === `${base}${t}`);
    expect(byTarget("/metrics").map((r) => r.metric_name)).toEqual(parsePrometheusText(NODE_EXPORTER).map(([n]) => n));
    expect(byTarget("/moved")).toEqual([{ target_name: `${base}/moved`, metric_name: "up", metric_value: "1", timestamp_ms: results.get(`${base}/moved`)!.timestampMs }]);
    // osquery reads whatever body came back, here the 404 page's words.
    expect(byTarget("/missing").map((r) => [r.metric_name, r.metric_value])).toEqual([["404", "page"]]);
    expect(byTarget("/slow")).toEqual([]);
    for (const r of rows) expect(Number(r.timestamp_ms)).toBeGreaterThanOrEqual(before);
  });

  test("the generator scrapes what setPrometheusTargets set, and nothing without targets", async () => {
    setPrometheusTargets([]);
    hits = {};
    expect(await generate(table)).toEqual([]);
    expect(hits).toEqual({});
    setPrometheusTargets([`${base}/other`], 2);
    const rows = await prometheusMetricsRows();
    expect(rows.map((r) => [r.target_name, r.metric_name, r.metric_value])).toEqual([[`${base}/other`, "up", "1"]]);
    setPrometheusTargets([]);
  });
});

describe("e2e (dist/osqueryi)", () => {
  test("without configured targets the binary returns no rows", () => {
    expect(query("select * from prometheus_metrics")).toEqual([]);
  });

  test("a --config_path with prometheus_targets is scraped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-prom-"));
    try {
      const config = join(dir, "osquery.conf");
      writeFileSync(config, JSON.stringify({ prometheus_targets: { urls: [`${base}/other`, `${base}/moved`], timeout: 2 } }));
      const rows = await queryAsync("select target_name, metric_name, metric_value from prometheus_metrics", [`--config_path=${config}`]);
      expect(rows).toEqual([
        { target_name: `${base}/moved`, metric_name: "up", metric_value: "1.0" },
        { target_name: `${base}/other`, metric_name: "up", metric_value: "1.0" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("`--pack` scrapes the prometheus_targets of the same config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-prom-pack-"));
    try {
      const config = join(dir, "osquery.conf");
      const pack = { queries: { up: { query: "select target_name, metric_name from prometheus_metrics", interval: 60 } } };
      writeFileSync(config, JSON.stringify({ prometheus_targets: { urls: [`${base}/other`] }, packs: { scrape: pack } }));
      // Asynchronous: the exporter answers from this process's event loop.
      const proc = Bun.spawn([OSQUERYI, "--json", `--config_path=${config}`, "--pack", "scrape"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(JSON.parse(stdout)).toEqual([{ target_name: `${base}/other`, metric_name: "up" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("applyPrometheusTargets takes the last source that has the section", async () => {
    applyPrometheusTargets(new Map<string, unknown>([["a", { urls: [`${base}/metrics`] }], ["b", { urls: [`${base}/other`, 5], timeout: 3 }]]));
    expect((await prometheusMetricsRows()).map((r) => r.target_name)).toEqual([`${base}/other`]);
    applyPrometheusTargets(new Map());
    expect(await prometheusMetricsRows()).toEqual([]);
  });
});
