// Every top-level config key osquery's Linux build reads (its config parsers
// under plugins/config/parsers/ and osquery/tables/yara/), in one config:
// osqueryd --config_check and osqueryi take it without a warning, applied
// where osq has the feature (views, decorators, packs, prometheus_targets,
// auto_table_construction, ...), and where it has not, --verbose says so.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, OSQUERYI, osq } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-config-keys-"));
const env = { HOME: dir };

const metrics = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("# HELP up\nosq_test_up 1\n") });
afterAll(async () => {
  await metrics.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const db = new Database(join(dir, "notes.db"), { create: true });
db.run("CREATE TABLE notes (body TEXT)");
db.run("INSERT INTO notes VALUES ('remember the milk')");
db.close();
writeFileSync(join(dir, "rules.yar"), "rule never { condition: false }\n");

/** One of every key, with contents shaped as osquery's documentation shows them. */
const CONFIG = {
  options: { host_identifier: "hostname", schedule_splay_percent: 10 },
  schedule: { uptime: { query: "SELECT total_seconds FROM uptime", interval: 3600 } },
  packs: { extra: { queries: { kernel: { query: "SELECT version FROM kernel_info", interval: 3600 } } } },
  decorators: { load: ["SELECT 'osq' AS agent"] },
  views: { one_view: "SELECT 1 AS one" },
  file_paths: { etc: ["/etc/%%"], tmp: [`${dir}/%`] },
  file_paths_query: { from_query: ["SELECT '/etc/hosts' AS path"] },
  exclude_paths: { etc: ["/etc/shadow"] },
  file_accesses: ["etc"],
  events: { disable_subscribers: ["syslog_events"], enable_subscribers: ["file_events"] },
  yara: { signatures: { test_rules: [join(dir, "rules.yar")] }, file_paths: { tmp: ["test_rules"] }, signature_urls: ["https://127.0.0.1/rules.yar"] },
  prometheus_targets: { timeout: 2, urls: [`http://127.0.0.1:${metrics.port}/metrics`] },
  auto_table_construction: { notes: { query: "SELECT body FROM notes", path: join(dir, "notes.db"), columns: ["body"], platform: "linux" } },
  feature_vectors: { character_frequencies: [0.0, 0.1, 0.2] },
  kafka_topics: { osquery_results: ["pack_extra_kernel"] },
  logger: { format: "json" },
};
const conf = join(dir, "osquery.conf");
writeFileSync(conf, JSON.stringify(CONFIG));

/** Warning and error status lines (glog's W and E). */
const complaints = (stderr: string) => stderr.split("\n").filter((l) => /^[WE]\d{4} /.test(l));

describe("every config key osquery reads on Linux", () => {
  test("osqueryd --config_check accepts them all without a warning; --verbose names those that do nothing here", () => {
    const r = osq([`--config_path=${conf}`, "--config_check", "--verbose", `--database_path=${join(dir, "db")}`], { bin: OSQUERYD, env });
    expect(complaints(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Config ${conf}: key "feature_vectors" is accepted but does nothing here`);
    expect(r.stderr).toContain(`Config ${conf}: key "kafka_topics" is accepted but does nothing here: osq has no kafka_producer logger`);
    expect(r.stderr).toContain(`Config ${conf}: key "logger" is accepted but does nothing here`);
    for (const used of ["views", "auto_table_construction", "prometheus_targets", "decorators", "file_paths", "events", "yara"]) {
      expect(r.stderr).not.toContain(`key "${used}"`);
    }
  });

  test("osqueryi applies those osq has: views, auto_table_construction, prometheus_targets, the schedule and packs", async () => {
    const proc = Bun.spawn(
      [OSQUERYI, `--config_path=${conf}`, "--json", "SELECT (SELECT one FROM one_view) AS v, (SELECT body FROM notes) AS n, (SELECT metric_value FROM prometheus_metrics WHERE metric_name = 'osq_test_up') AS m, (SELECT count(*) FROM osquery_schedule) AS s"],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } },
    );
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(complaints(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ v: "1", n: "remember the milk", m: "1.0", s: "2" }]);
  });

  test("a yara value of the wrong shape is noted at verbose level as osquery's parser notes it, and still no warning", () => {
    const bad = join(dir, "bad_yara.conf");
    writeFileSync(bad, JSON.stringify({ yara: { signatures: { group: "not-a-list" }, signature_urls: "x", file_paths: [] } }));
    const r = osq([`--config_path=${bad}`, "--config_check", "--verbose", `--database_path=${join(dir, "db2")}`], { bin: OSQUERYD, env });
    expect(r.code).toBe(0);
    expect(complaints(r.stderr)).toEqual([]);
    expect(r.stderr).toContain("YARA signature group group must be an array");
    expect(r.stderr).toContain("YARA signature_urls must be an array");
    expect(r.stderr).toContain("YARA file_paths key is invalid");
  });
});
