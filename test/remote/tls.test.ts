// The TLS client, enrollment and --config_plugin=tls end to end: the compiled
// dist/osqueryd against test/remote/server.ts (Bun.serve with TLS on
// 127.0.0.1, certificates made by openssl in a temp dir). What the server
// recorded is what went on the wire.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeOtherCa, makePki, type TestServer } from "./server.ts";
import { remoteFixture, tlsDaemonArgv } from "./fixture.ts";

const remote = remoteFixture("osq-tls-");
const server = (opts: Parameters<typeof remote.server>[0] = {}) => remote.server(opts);
const tempDir = () => remote.tempDir();

interface DaemonRun {
  readonly code: number;
  readonly stderr: string;
  readonly dir: string;
}

/** Runs osqueryd against `srv` for `seconds` (--schedule_timeout), asynchronously so the in-process server can answer. */
async function runDaemon(srv: TestServer, extra: string[], seconds: number, dir = tempDir()): Promise<DaemonRun> {
  const proc = remote.track(Bun.spawn(tlsDaemonArgv(srv, dir, seconds, extra), { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env } }));
  const kill = setTimeout(() => proc.kill("SIGKILL"), (seconds + 40) * 1000);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(kill);
  return { code, stderr, dir };
}

function results(dir: string): { name: string; columns?: Record<string, string> }[] {
  const path = join(dir, "osqueryd.results.log");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("enrollment", () => {
  test("sends the secret, the identifier and host_details as strings, with osquery's headers", async () => {
    const srv = server();
    srv.config = { schedule: {} };
    const run = await runDaemon(srv, ["--host_identifier=specified", "--specified_identifier=osq-test-host"], 2);
    expect(run.code).toBe(0);
    const enrolls = srv.requestsTo("enroll");
    expect(enrolls.length).toBe(1);
    const e = enrolls[0]!;
    expect(e.method).toBe("POST");
    expect(e.headers["content-type"]).toBe("application/json");
    expect(e.headers.accept).toBe("application/json");
    expect(e.headers["user-agent"]).toMatch(/^osquery\/\d+\.\d+\.\d+/);
    expect(e.headers["accept-encoding"]).toBeUndefined();
    expect(e.body!.enroll_secret).toBe(srv.secret);
    expect(e.body!.host_identifier).toBe("osq-test-host");
    expect(e.body!.platform_type).toBe("9");
    const details = e.body!.host_details as Record<string, Record<string, unknown>>;
    expect(Object.keys(details).sort()).toEqual(expect.arrayContaining(["os_version", "osquery_info", "system_info"]));
    for (const [table, row] of Object.entries(details)) {
      for (const [col, v] of Object.entries(row)) expect({ table, col, type: typeof v }).toEqual({ table, col, type: "string" });
    }
    // Values from a source osq does not share: the kernel's hostname and the os-release file.
    expect(details.system_info!.hostname).toBe(readFileSync("/proc/sys/kernel/hostname", "utf8").trim());
    expect(details.osquery_info!.pid).toMatch(/^\d+$/);
    // The config request carries the key in the body and in the Authorization header.
    const config = srv.requestsTo("config")[0]!;
    expect(config.body!.node_key).toBe("node-key-1");
    expect(config.headers.authorization).toBe("NodeKey node-key-1");
  }, 60_000);

  test("--host_identifier=uuid and =instance send the values host_details reports", async () => {
    const srv = server({ style: "osctrl" });
    await runDaemon(srv, ["--host_identifier=uuid"], 1);
    const byUuid = srv.requestsTo("enroll")[0]!.body!;
    const details = byUuid.host_details as Record<string, Record<string, string>>;
    // osctrl names the node after the identifier, upper-cased: it must be the machine's UUID.
    const dmi = existsSync("/sys/class/dmi/id/product_uuid") ? readFileSync("/sys/class/dmi/id/product_uuid", "utf8").trim() : "";
    const mid = readFileSync("/etc/machine-id", "utf8").trim();
    const expected = (dmi || `${mid.slice(0, 8)}-${mid.slice(8, 12)}-${mid.slice(12, 16)}-${mid.slice(16, 20)}-${mid.slice(20)}`).toUpperCase();
    expect(byUuid.host_identifier).toBe(expected);
    expect(details.system_info!.uuid).toBe(expected);

    const srv2 = server();
    await runDaemon(srv2, ["--host_identifier=instance"], 1);
    const byInstance = srv2.requestsTo("enroll")[0]!.body!;
    expect(byInstance.host_identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(byInstance.host_identifier).toBe((byInstance.host_details as Record<string, Record<string, string>>).osquery_info!.instance_id!);
  }, 60_000);

  test("the node key is kept in the database; --enroll_always enrolls again", async () => {
    const srv = server();
    const dir = tempDir();
    await runDaemon(srv, [], 1, dir);
    await runDaemon(srv, [], 1, dir);
    expect(srv.requestsTo("enroll").length).toBe(1);
    await runDaemon(srv, ["--enroll_always"], 1, dir);
    expect(srv.requestsTo("enroll").length).toBe(2);
    expect(srv.requestsTo("config").at(-1)!.body!.node_key).toBe("node-key-2");
  }, 60_000);

  test("the secret may come from --enroll_secret_env", async () => {
    const srv = server();
    process.env.OSQ_TEST_SECRET = srv.secret;
    try {
      await runDaemon(srv, ["--enroll_secret_path=", "--enroll_secret_env=OSQ_TEST_SECRET"], 1);
    } finally {
      delete process.env.OSQ_TEST_SECRET;
    }
    expect(srv.requestsTo("enroll")[0]!.body!.enroll_secret).toBe(srv.secret);
    expect(srv.requestsTo("config").length).toBe(1);
  }, 60_000);

  for (const style of ["fleet", "osctrl"] as const) {
    test(`re-enrolls after node_invalid (${style}: ${style === "fleet" ? "401" : "200"})`, async () => {
      const srv = server({ style });
      srv.config = { schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } };
      srv.nodeInvalidNext = 1;
      const run = await runDaemon(srv, [], 3);
      expect(srv.requestsTo("enroll").length).toBe(2);
      const configs = srv.requestsTo("config");
      expect(configs[0]!.body!.node_key).toBe("node-key-1");
      expect(configs[1]!.body!.node_key).toBe("node-key-2");
      expect(results(run.dir).some((l) => l.name === "one")).toBe(true);
    }, 60_000);
  }

  test("--disable_reenrollment keeps the key and does not enroll again", async () => {
    const srv = server();
    srv.nodeInvalidNext = 1;
    const run = await runDaemon(srv, ["--disable_reenrollment", "--config_tls_max_attempts=1"], 1);
    expect(srv.requestsTo("enroll").length).toBe(1);
    expect(run.stderr).toContain("Invalid node key");
  }, 60_000);

  test("a wrong secret is retried on osquery's schedule and then given up", async () => {
    const srv = server();
    const bad = join(tempDir(), "bad-secret");
    await Bun.write(bad, "wrong");
    const run = await runDaemon(srv, [`--enroll_secret_path=${bad}`, "--tls_enroll_max_attempts=2", "--tls_enroll_max_interval=1"], 1);
    expect(srv.requestsTo("enroll").length).toBe(2);
    expect(srv.requestsTo("config").length).toBe(0);
    expect(run.stderr).toContain("Failed enrollment request");
  }, 60_000);
});

describe("--config_plugin=tls", () => {
  test("the served config runs: options, packs named with the served delimiter, results in the filesystem log", async () => {
    const srv = server();
    srv.config = {
      // Fleet's options arrive as JSON numbers and booleans.
      options: { pack_delimiter: "/", distributed_interval: 17, disable_distributed: false },
      schedule: {
        plain: { query: "SELECT 'x' AS v", interval: 1 },
        flags: { query: "SELECT name, value FROM osquery_flags WHERE name IN ('pack_delimiter', 'distributed_interval', 'disable_distributed')", interval: 1 },
      },
      packs: { Global: { queries: { q: { query: "SELECT 2 AS two", interval: 1 } } } },
    };
    const run = await runDaemon(srv, [], 3);
    expect(run.code).toBe(0);
    const names = new Set(results(run.dir).map((l) => l.name));
    expect(names.has("plain")).toBe(true);
    expect(names.has("pack/Global/q")).toBe(true);
    // One event-format line per added row (--log_result_events).
    const flagRows = results(run.dir).filter((l) => l.name === "flags").map((l) => l.columns!);
    expect(Object.fromEntries(flagRows.map((r) => [r.name, r.value]))).toEqual({ pack_delimiter: "/", distributed_interval: "17", disable_distributed: "false" });
  }, 60_000);

  test("--config_refresh fetches again and the new schedule replaces the old", async () => {
    const srv = server();
    srv.config = { schedule: { first: { query: "SELECT 1 AS a", interval: 1 } } };
    const proc = runDaemon(srv, ["--config_refresh=1"], 6);
    await srv.waitFor((r) => r.filter((x) => x.endpoint === "config").length >= 1);
    await Bun.sleep(1500);
    srv.config = { schedule: { second: { query: "SELECT 2 AS b", interval: 1 } } };
    const run = await proc;
    expect(srv.requestsTo("config").length).toBeGreaterThanOrEqual(3);
    const names = results(run.dir).map((l) => l.name);
    expect(names).toContain("first");
    expect(names).toContain("second");
    // Once the second config is applied, "first" stops.
    expect(names.lastIndexOf("first")).toBeLessThan(names.lastIndexOf("second"));
  }, 60_000);

  test("a pack given by name is not resolved by the tls plugin (as in osquery); the inline packs still run", async () => {
    const srv = server();
    srv.config = { packs: { named: "/etc/osquery/packs/named.conf", inline: { queries: { q: { query: "SELECT 1 AS one", interval: 1 } } } } };
    const run = await runDaemon(srv, [], 2);
    expect(run.stderr).toContain("Error reading the query pack named: named: Not implemented");
    expect(results(run.dir).some((l) => l.name === "pack_inline_q")).toBe(true);
  }, 60_000);

  test("osctrl's --config_tls_refresh (osquery's old name) sets the refresh too", async () => {
    const srv = server({ style: "osctrl" });
    await runDaemon(srv, ["--config_tls_refresh=1"], 4);
    expect(srv.requestsTo("config").length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  test("a failed fetch keeps the last good config and retries after --config_accelerated_refresh", async () => {
    const srv = server();
    // A value that changes every second, so the diff logs a line each run.
    srv.config = { schedule: { kept: { query: "SELECT CAST(strftime('%s','now') AS TEXT) AS t", interval: 1 } } };
    const proc = runDaemon(srv, ["--config_refresh=3", "--config_accelerated_refresh=1", "--config_tls_max_attempts=1"], 7);
    await srv.waitFor((r) => r.some((x) => x.endpoint === "config"));
    srv.fail.add("config");
    const failedAt = Date.now() / 1000;
    const run = await proc;
    // ok at 0, failed at 3, then every second (4, 5, 6) instead of every 3 s.
    expect(srv.requestsTo("config").length).toBeGreaterThanOrEqual(4);
    expect(run.stderr).toContain("keeping the last good config");
    // The schedule of the last good config kept running after the failures.
    const kept = results(run.dir).filter((l) => l.name === "kept") as unknown as { unixTime: number }[];
    expect(kept.at(-1)!.unixTime).toBeGreaterThan(failedAt + 3);
  }, 60_000);

  test("--config_tls_max_attempts: a server that fails is asked that many times, 1 s then 4 s apart", async () => {
    const srv = server();
    srv.fail.add("config");
    const started = Date.now();
    const run = await runDaemon(srv, ["--config_tls_max_attempts=3", "--config_refresh=100", "--config_accelerated_refresh=100"], 1);
    const configs = srv.requestsTo("config");
    expect(configs.length).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    expect(run.stderr).toContain("Request failed: told to fail");
  }, 60_000);
});

describe("TLS", () => {
  test("mTLS: a server that requires a client certificate gets it", async () => {
    const srv = server({ requireClientCert: true });
    srv.config = { schedule: { m: { query: "SELECT 1 AS m", interval: 1 } } };
    const run = await runDaemon(srv, [`--tls_client_cert=${remote.pki.clientCertFile}`, `--tls_client_key=${remote.pki.clientKeyFile}`], 2);
    expect(srv.requestsTo("enroll").length).toBe(1);
    expect(results(run.dir).some((l) => l.name === "m")).toBe(true);
  }, 60_000);

  test("mTLS: without a client certificate the handshake fails and nothing reaches the server", async () => {
    const srv = server({ requireClientCert: true });
    const run = await runDaemon(srv, ["--tls_enroll_max_attempts=1", "--config_tls_max_attempts=1"], 1);
    expect(srv.requests.length).toBe(0);
    expect(run.stderr).toMatch(/Failed enrollment request to https:\/\/localhost:\d+\/api\/v1\/osquery\/enroll \(TLS request to .* failed: the TLS handshake failed \(EPROTO\)\)/);
  }, 60_000);

  test("an untrusted CA: no request reaches the server, one status line says why", async () => {
    const srv = server();
    const run = await runDaemon(srv, [`--tls_server_certs=${makeOtherCa()}`, "--tls_enroll_max_attempts=1"], 1);
    expect(srv.requests.length).toBe(0);
    const lines = run.stderr.split("\n").filter((l) => l.includes("Failed enrollment request"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("not signed by a trusted CA");
  }, 60_000);

  test("a certificate for another host name: no request reaches the server, one status line says why", async () => {
    const other = makePki(["DNS:elsewhere.invalid"]);
    const srv = server({ pki: other });
    const run = await runDaemon(srv, ["--tls_enroll_max_attempts=1"], 1);
    rmSync(other.dir, { recursive: true, force: true });
    expect(srv.requests.length).toBe(0);
    const lines = run.stderr.split("\n").filter((l) => l.includes("Failed enrollment request"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("does not name this host");
  }, 60_000);

  test("an expired server certificate: no request reaches the server, one status line says why", async () => {
    const expired = makePki(undefined, -1);
    const srv = server({ pki: expired });
    const run = await runDaemon(srv, ["--tls_enroll_max_attempts=1"], 1);
    rmSync(expired.dir, { recursive: true, force: true });
    expect(srv.requests.length).toBe(0);
    const lines = run.stderr.split("\n").filter((l) => l.includes("Failed enrollment request"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("the server certificate has expired");
  }, 60_000);

  test("--tls_accept_gzip asks for gzip and reads the gzipped config", async () => {
    const srv = server();
    srv.config = { schedule: { z: { query: "SELECT 1 AS z", interval: 1 } } };
    const run = await runDaemon(srv, ["--tls_accept_gzip"], 2);
    expect(srv.requestsTo("config")[0]!.headers["accept-encoding"]).toBe("gzip");
    expect(results(run.dir).some((l) => l.name === "z")).toBe(true);
  }, 60_000);
});

describe("--tls_secret_always and --tls_node_api", () => {
  test("--tls_secret_always puts the enroll secret in the query string of every request, enroll included", async () => {
    const srv = server();
    srv.config = { schedule: { s: { query: "SELECT 1 AS s", interval: 1 } } };
    await runDaemon(srv, ["--tls_secret_always", "--logger_plugin=tls", "--logger_tls_period=1", "--disable_distributed=false", "--distributed_interval=1"], 3);
    const seen = new Set(srv.requests.map((r) => r.endpoint));
    for (const endpoint of ["enroll", "config", "log", "read"] as const) expect(seen.has(endpoint)).toBe(true);
    for (const r of srv.requests) expect(r.query).toEqual([["enroll_secret", srv.secret]]);
    // The body still carries the secret (enroll) and the node key (the rest).
    expect(srv.requestsTo("enroll")[0]!.body?.enroll_secret).toBe(srv.secret);
    expect(srv.requestsTo("config")[0]!.body?.node_key).toBe("node-key-1");
  }, 60_000);

  test("--tls_node_api: endpoints under the node key, the key appended to the URL and not in the body, config by GET", async () => {
    const srv = server({ nodeApi: true });
    srv.config = { schedule: { n: { query: "SELECT 2 AS n", interval: 1 } } };
    const run = await runDaemon(srv, ["--tls_node_api", "--logger_plugin=filesystem,tls", "--logger_tls_period=1", "--disable_distributed=false", "--distributed_interval=1"], 3);
    // Enrollment has no key yet: its URL is the plain endpoint.
    expect(srv.requestsTo("enroll")[0]!.target).toBe(srv.paths.enroll);
    const config = srv.requestsTo("config")[0]!;
    expect(config.method).toBe("GET");
    expect(config.raw).toBe("");
    expect(config.target).toBe(`/node-key-1${srv.paths.config}&node_key=node-key-1`);
    expect(config.headers.authorization).toBe("NodeKey node-key-1");
    for (const endpoint of ["log", "read"] as const) {
      const r = srv.requestsTo(endpoint)[0]!;
      expect(r.method).toBe("POST");
      expect(r.target).toBe(`/node-key-1${srv.paths[endpoint]}&node_key=node-key-1`);
      expect(r.body).not.toHaveProperty("node_key");
    }
    expect(srv.requestsTo("log")[0]!.body?.log_type).toBeString();
    // The config came out of the reply's "config" string: its query ran.
    expect(results(run.dir).some((l) => l.name === "n")).toBe(true);
  }, 60_000);

  test("--tls_node_api with --tls_secret_always: the secret opens the query string, the node key follows it", async () => {
    const srv = server({ nodeApi: true });
    await runDaemon(srv, ["--tls_node_api", "--tls_secret_always"], 1);
    expect(srv.requestsTo("enroll")[0]!.target).toBe(`${srv.paths.enroll}?enroll_secret=${srv.secret}`);
    const config = srv.requestsTo("config")[0]!;
    expect(config.target).toBe(`/node-key-1${srv.paths.config}?enroll_secret=${srv.secret}&node_key=node-key-1`);
    expect(config.query).toEqual([["enroll_secret", srv.secret], ["node_key", "node-key-1"]]);
  }, 60_000);
});

describe("--tls_dump and --distributed_loginfo", () => {
  test("--verbose --tls_dump prints each request body and reply to stderr as they went over the wire", async () => {
    const srv = server();
    srv.config = { options: { custom_marker: "dumped-config" } };
    const plain = await runDaemon(srv, ["--verbose"], 1);
    expect(plain.stderr).not.toContain("dumped-config");
    const run = await runDaemon(srv, ["--verbose", "--tls_dump"], 1);
    const lines = run.stderr.split("\n");
    // The reply to the config request, raw, on a line of its own.
    expect(lines).toContain(JSON.stringify(srv.config));
    const enroll = lines.find((l) => l.startsWith("{") && l.includes('"host_identifier"'));
    expect(enroll && JSON.parse(enroll).enroll_secret).toBe(srv.secret);
  }, 60_000);

  test("--distributed_loginfo logs each distributed query at INFO without --verbose", async () => {
    const srv = server();
    srv.distributed = { queries: { "q-1": "SELECT 1 AS one" } };
    const flagsOn = ["--disable_distributed=false", "--distributed_interval=1", "--logger_min_stderr=0"];
    const quiet = await runDaemon(srv, flagsOn, 2);
    expect(srv.requestsTo("write").length).toBeGreaterThan(0);
    expect(quiet.stderr).not.toContain("Executing distributed query");
    const srv2 = server();
    srv2.distributed = { queries: { "q-1": "SELECT 1 AS one" } };
    const run = await runDaemon(srv2, [...flagsOn, "--distributed_loginfo"], 2);
    expect(run.stderr).toMatch(/^I.*Executing distributed query: q-1: SELECT 1 AS one$/m);
  }, 60_000);
});
