// The aws_kinesis and aws_firehose loggers, end to end through the compiled
// osqueryd: Kinesis is kinesalite (a Kinesis implementation on npm) on
// 127.0.0.1, read back with the AWS SDK's own Kinesis client; Firehose and STS
// are test/aws/aws_server.ts, which checks every signature as AWS documents
// it. Also the property-tree rewrite every record gets (checked against
// strings written from Boost's documented writer, not from osq's code).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer, Server as HttpServerClass, type Server as HttpServer } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { withLogType } from "../../plugins/logger/ptree_json.ts";
import { AwsLoggerPlugin, FIREHOSE, KINESIS, retryDelayMs, type StreamService } from "../../plugins/logger/aws.ts";
import { resolveRegion, serviceEndpoint } from "../../src/aws/region.ts";
import { err, ok, type Result } from "../../src/result.ts";
import { openStore } from "../../src/store/store.ts";
import { FakeClock } from "../fake_clock.ts";
import { OSQUERYD, osq, query } from "../helpers.ts";
import { AwsTestServer, verifySigV4, type Secret } from "../aws/aws_server.ts";
import { makeOtherCa, makePki } from "../remote/server.ts";

let dir: string;
let procs: Subprocess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-aws-"));
});
afterEach(async () => {
  for (const p of procs) {
    p.kill(9);
    await p.exited;
  }
  procs = [];
  rmSync(dir, { recursive: true, force: true });
});

const SCHEDULE = {
  schedule: {
    clock: { query: "SELECT unix_time AS t, 'a/b' AS path FROM time", interval: 1 },
  },
};

function daemon(flags: readonly string[], opts: { config?: unknown; env?: Record<string, string>; name?: string } = {}): Subprocess {
  const config = join(dir, "osquery.conf");
  writeFileSync(config, JSON.stringify(opts.config ?? SCHEDULE));
  const name = opts.name ?? "run";
  const p = Bun.spawn(
    [
      OSQUERYD,
      `--config_path=${config}`,
      `--database_path=${join(dir, "osquery.db")}`,
      `--pidfile=${join(dir, "osqueryd.pid")}`,
      `--logger_path=${join(dir, "logs")}`,
      "--disable_watchdog",
      "--host_identifier=specified",
      "--specified_identifier=aws-test-host",
      ...flags,
    ],
    { stdout: Bun.file(join(dir, `${name}.stdout`)), stderr: Bun.file(join(dir, `${name}.stderr`)), stdin: "ignore", env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true", HOME: dir, ...opts.env } },
  );
  procs.push(p);
  return p;
}

async function stopDaemon(p: Subprocess): Promise<void> {
  p.kill("SIGTERM");
  await p.exited;
}

const stderrOf = (name = "run") => (existsSync(join(dir, `${name}.stderr`)) ? readFileSync(join(dir, `${name}.stderr`), "utf8") : "");

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstderr:\n${stderrOf()}`);
    await Bun.sleep(100);
  }
}

interface Logged {
  name?: string;
  counter?: number | string;
  action?: string;
  columns?: Record<string, string>;
  log_type?: string;
  severity?: string;
  message?: string;
  unixTime?: string;
}

/** The result lines osqueryd also wrote to its filesystem logger, as keys. */
function localResults(): string[] {
  const path = join(dir, "logs", "osqueryd.results.log");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => key(JSON.parse(l) as Logged));
}

function key(l: Logged): string {
  return `${l.name}|${String(l.counter)}|${l.action}|${JSON.stringify(l.columns)}`;
}

describe("the property-tree rewrite of each record (osquery's appendLogTypeToJson)", () => {
  test("numbers and literals become strings, empty containers \"\", / is escaped, log_type comes last", () => {
    expect(withLogType('{"name":"q","unixTime":1700000000,"epoch":0,"numerics":false,"x":null,"r":2.50,"columns":{"p":"a/b"}}', "result")).toBe(
      '{"name":"q","unixTime":"1700000000","epoch":"0","numerics":"false","x":"null","r":"2.50","columns":{"p":"a\\/b"},"log_type":"result"}',
    );
    expect(withLogType('{"diffResults":{"removed":[],"added":[{"a":"1"}]},"decorations":{}}', "result")).toBe('{"diffResults":{"removed":"","added":[{"a":"1"}]},"decorations":"","log_type":"result"}');
    // Control characters are \u00XX in upper case; other characters pass as they are.
    expect(withLogType('{"m":"tab\\there\\u0001é\\"q\\\\"}', "status")).toBe('{"m":"tab\\there\\u0001é\\"q\\\\","log_type":"status"}');
    // An existing log_type is replaced where it stands.
    expect(withLogType('{"log_type":"x","a":"1"}', "result")).toBe('{"log_type":"result","a":"1"}');
    expect(() => withLogType("not json", "result")).toThrow();
    expect(() => withLogType('"a string"', "result")).toThrow();
  });
});

describe("the test server's SigV4 check", () => {
  test("accepts AWS's documented example request and refuses it once altered", () => {
    // The GET ListUsers example of AWS's "Signature Version 4" documentation, with its published signature.
    const secrets = new Map<string, Secret>([["AKIDEXAMPLE", { secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", services: ["iam"] }]]);
    const headers = new Headers({
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      host: "iam.amazonaws.com",
      "x-amz-date": "20150830T123600Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    });
    const url = new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08");
    const now = Date.UTC(2015, 7, 30, 12, 36);
    expect(verifySigV4({ method: "GET", url, headers, body: "" }, secrets, now)).toMatchObject({ accessKeyId: "AKIDEXAMPLE", region: "us-east-1", service: "iam" });
    expect(verifySigV4({ method: "GET", url: new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-09"), headers, body: "" }, secrets, now)).toEqual({ error: "SignatureDoesNotMatch" });
    expect(verifySigV4({ method: "GET", url, headers, body: "" }, secrets, now + 3600_000)).toEqual({ error: "request time too skewed" });
  });
});

describe("aws_firehose", () => {
  const SECRETS = () =>
    new Map<string, Secret>([
      ["AKIDFIREHOSE", { secret: "firehose/secret+key", services: ["firehose"] }],
      ["AKIDBASE", { secret: "base-secret", services: ["sts"] }],
      ["ASIATEMP", { secret: "temp-secret", token: "the-session-token", services: ["firehose"] }],
      ["AKIDPROFILE", { secret: "profile-secret", services: ["firehose"] }],
    ]);
  let server: AwsTestServer;
  beforeEach(() => {
    server = new AwsTestServer(SECRETS(), new Set(["osquery-stream"]), { accessKeyId: "ASIATEMP", secretAccessKey: "temp-secret", sessionToken: "the-session-token" });
    server.start();
  });
  afterEach(async () => {
    await server.stop();
  });

  const firehoseFlags = () => [`--aws_firehose_endpoint=${server.url}`, "--aws_firehose_stream=osquery-stream", "--aws_firehose_period=1", "--aws_region=eu-west-1"];

  test("signed batches of newline-ended records: results and statuses with log_type, every value a string", async () => {
    const p = daemon(["--logger_plugin=aws_firehose", ...firehoseFlags(), "--aws_access_key_id=AKIDFIREHOSE", "--aws_secret_access_key=firehose/secret+key"]);
    const results = await waitFor("two result records", () => {
      const r = server.records().filter((d) => d.includes('"log_type":"result"'));
      return r.length >= 2 && r;
    });
    // The initialized line itself: on a busy machine another status line can arrive in an earlier batch.
    await waitFor("the initialized status record", () => server.records().some((d) => d.includes('"log_type":"status"') && d.includes("osquery initialized")));
    await stopDaemon(p);
    expect(server.rejected).toEqual([]);
    expect(server.batches.every((b) => b.region === "eu-west-1" && b.accessKeyId === "AKIDFIREHOSE" && b.stream === "osquery-stream")).toBe(true);
    for (const d of server.records()) expect(d.endsWith("}\n")).toBe(true);
    const first = JSON.parse(results[0]!) as Logged;
    expect(first.name).toBe("clock");
    expect(first.counter).toBe("0");
    expect(typeof first.unixTime).toBe("string");
    expect(results[0]).toContain('"path":"a\\/b"');
    expect(results[0]!.trimEnd().endsWith(',"log_type":"result"}')).toBe(true);
    const status = server.records().map((d) => JSON.parse(d) as Logged).find((l) => l.log_type === "status" && l.message?.startsWith("osquery initialized"));
    expect(status?.severity).toBe("0");
  });

  test("no line is lost or sent twice while Firehose is down, refuses records, or osqueryd restarts", async () => {
    server.refuseOnce.add('"counter":"1"');
    const p = daemon(["--logger_plugin=aws_firehose,filesystem", ...firehoseFlags(), "--aws_access_key_id=AKIDFIREHOSE", "--aws_secret_access_key=firehose/secret+key"]);
    await waitFor("the first results", () => server.records().filter((d) => d.includes('"log_type":"result"')).length >= 3);
    await server.stop();
    const downAt = localResults().length;
    await waitFor("results produced while Firehose is down", () => localResults().length >= downAt + 6);
    server.start();
    await waitFor("the lines of the outage", () => {
      const got = new Set(server.records().map((d) => key(JSON.parse(d) as Logged)));
      return localResults().slice(0, downAt + 6).every((k) => got.has(k));
    }, 40_000);
    await stopDaemon(p);
    // Lines buffered when osqueryd stopped go with the next start.
    const again = daemon(["--logger_plugin=aws_firehose", ...firehoseFlags(), "--aws_access_key_id=AKIDFIREHOSE", "--aws_secret_access_key=firehose/secret+key"], { config: {}, name: "again" });
    const expected = localResults().sort();
    await waitFor("every line", () => server.records().filter((d) => d.includes('"log_type":"result"')).length >= expected.length, 30_000);
    await Bun.sleep(1500);
    await stopDaemon(again);
    const received = server
      .records()
      .map((d) => JSON.parse(d) as Logged)
      .filter((l) => l.log_type === "result")
      .map(key)
      .sort();
    expect(received).toEqual(expected);
    expect(stderrOf()).toContain("aws_firehose: could not send");
    expect(server.rejected).toEqual([]);
  }, 120_000);

  test("--aws_sts_arn_role: AssumeRole signed with the flag keys, records signed with the role's keys and token", async () => {
    const p = daemon(
      [
        "--logger_plugin=aws_firehose",
        ...firehoseFlags(),
        "--aws_access_key_id=AKIDBASE",
        "--aws_secret_access_key=base-secret",
        "--aws_sts_arn_role=arn:aws:iam::123456789012:role/osquery",
        "--aws_sts_region=us-west-2",
        "--aws_sts_session_name=osq-test",
        "--aws_sts_timeout=900",
      ],
      { env: { AWS_ENDPOINT_URL_STS: server.url } },
    );
    await waitFor("records", () => server.records().length >= 2);
    await stopDaemon(p);
    expect(server.rejected).toEqual([]);
    expect(server.assumeRoleCalls.length).toBe(1);
    const call = server.assumeRoleCalls[0]!;
    expect(call.accessKeyId).toBe("AKIDBASE");
    expect(call.region).toBe("us-west-2");
    expect(Object.fromEntries(call.params)).toEqual({ Action: "AssumeRole", Version: "2011-06-15", RoleArn: "arn:aws:iam::123456789012:role/osquery", RoleSessionName: "osq-test", DurationSeconds: "900" });
    expect(server.batches.every((b) => b.accessKeyId === "ASIATEMP")).toBe(true);
  });

  test("credentials and region from --aws_profile_name in ~/.aws", async () => {
    mkdirSync(join(dir, ".aws"));
    writeFileSync(join(dir, ".aws", "credentials"), "[default]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n\n[osq]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n");
    writeFileSync(join(dir, ".aws", "config"), "[default]\nregion = us-east-1\n[profile osq]\nregion = ap-southeast-2\n");
    const p = daemon(["--logger_plugin=aws_firehose", `--aws_firehose_endpoint=${server.url}`, "--aws_firehose_stream=osquery-stream", "--aws_firehose_period=1", "--aws_profile_name=osq"]);
    await waitFor("records", () => server.records().length >= 1);
    await stopDaemon(p);
    expect(server.rejected).toEqual([]);
    expect(server.batches[0]).toMatchObject({ accessKeyId: "AKIDPROFILE", region: "ap-southeast-2" });
  });

  test("--aws_session_token goes with the key flags; without flags, the AWS_* environment", async () => {
    const withToken = daemon(["--logger_plugin=aws_firehose", ...firehoseFlags(), "--aws_access_key_id=ASIATEMP", "--aws_secret_access_key=temp-secret", "--aws_session_token=the-session-token"]);
    await waitFor("records signed with the session token", () => server.batches.some((b) => b.accessKeyId === "ASIATEMP"));
    await stopDaemon(withToken);
    const fromEnv = daemon(["--logger_plugin=aws_firehose", ...firehoseFlags()], { env: { AWS_ACCESS_KEY_ID: "AKIDPROFILE", AWS_SECRET_ACCESS_KEY: "profile-secret" }, name: "env" });
    await waitFor("records signed with the environment's key", () => server.batches.some((b) => b.accessKeyId === "AKIDPROFILE"));
    await stopDaemon(fromEnv);
    expect(server.rejected).toEqual([]);
    expect(server.assumeRoleCalls).toEqual([]);
  });

  test("--aws_enable_proxy: requests go through the --aws_proxy_* proxy, with its credentials", async () => {
    const seen: string[] = [];
    // A forward proxy on 127.0.0.1: it passes each request on as it came, so the signature still holds.
    const proxy = createServer(async (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["proxy-authorization"] ?? "(no proxy credentials)"}`);
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !["proxy-authorization", "proxy-connection", "connection", "host", "content-length"].includes(k)) headers.set(k, v);
      const reply = await fetch(req.url!, { method: req.method, headers, body: Buffer.concat(chunks) });
      res.writeHead(reply.status, { "content-type": reply.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await reply.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const proxyPort = (proxy.address() as AddressInfo).port;
      const p = daemon([
        "--logger_plugin=aws_firehose",
        ...firehoseFlags(),
        "--aws_access_key_id=AKIDFIREHOSE",
        "--aws_secret_access_key=firehose/secret+key",
        "--aws_enable_proxy",
        "--aws_proxy_scheme=http",
        "--aws_proxy_host=127.0.0.1",
        `--aws_proxy_port=${proxyPort}`,
        "--aws_proxy_username=proxy-user",
        "--aws_proxy_password=proxy:pass",
      ]);
      await waitFor("records through the proxy", () => server.records().length >= 1);
      await stopDaemon(p);
    } finally {
      proxy.close();
    }
    expect(server.rejected).toEqual([]);
    expect(seen[0]).toBe(`POST ${server.url}/ Basic ${Buffer.from("proxy-user:proxy:pass").toString("base64")}`);
  });

  test("an unknown stream is reported and its lines kept", async () => {
    const p = daemon(["--logger_plugin=aws_firehose", `--aws_firehose_endpoint=${server.url}`, "--aws_firehose_stream=missing", "--aws_firehose_period=1", "--aws_access_key_id=AKIDFIREHOSE", "--aws_secret_access_key=firehose/secret+key"]);
    await waitFor("the warning", () => stderrOf().includes("ResourceNotFoundException: Firehose missing not found"));
    await stopDaemon(p);
    expect(server.records()).toEqual([]);
  });
});

describe("setup errors stop osqueryd with osquery's messages", () => {
  const run = (flags: string[]) => {
    const d = mkdtempSync(join(tmpdir(), "osq-aws-setup-"));
    writeFileSync(join(d, "osquery.conf"), "{}");
    try {
      return osq([`--config_path=${join(d, "osquery.conf")}`, `--database_path=${join(d, "db")}`, `--pidfile=${join(d, "pid")}`, "--disable_watchdog", ...flags], { bin: OSQUERYD, env: { HOME: d } });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  };
  test("no stream, a region osquery does not know, FIPS with an endpoint override", () => {
    const noStream = run(["--logger_plugin=aws_kinesis", "--aws_region=us-east-1"]);
    expect(noStream.code).toBe(78);
    expect(noStream.stderr).toContain("Cannot activate aws_kinesis logger plugin: Stream name must be specified with --aws_kinesis_stream");
    const badRegion = run(["--logger_plugin=aws_firehose", "--aws_firehose_stream=s", "--aws_region=mars-north-1"]);
    expect(badRegion.code).toBe(78);
    expect(badRegion.stderr).toContain("Invalid region mars-north-1");
    const fips = run(["--logger_plugin=aws_kinesis", "--aws_kinesis_stream=s", "--aws_enforce_fips", "--aws_kinesis_endpoint=http://127.0.0.1:1", "--aws_region=us-east-1"]);
    expect(fips.code).toBe(78);
    expect(fips.stderr).toContain("Cannot override the endpoint when FIPS is enforced");
    for (const r of [noStream, badRegion, fips]) expect(r.stderr).not.toContain("    at ");
  });
});

describe("aws_kinesis against kinesalite", () => {
  let kinesalite: HttpServer;
  let port = 0;
  let kinesis: KinesisClient;
  let streamN = 0;

  beforeAll(async () => {
    const create = (await import("kinesalite")).default;
    kinesalite = create({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
    await new Promise<void>((resolve) => kinesalite.listen(0, "127.0.0.1", resolve));
    port = (kinesalite.address() as AddressInfo).port;
    // The SDK's default handler speaks HTTP/2 for Kinesis; kinesalite speaks HTTP/1.1.
    kinesis = new KinesisClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "reader", secretAccessKey: "reader" }, requestHandler: new NodeHttpHandler() });
  });
  afterAll(() => {
    kinesis?.destroy();
    kinesalite?.close();
  });

  test("an endpoint given as host:port is HTTPS, its certificate checked against --tls_server_certs", async () => {
    const pki = makePki();
    const other = makeOtherCa();
    const create = (await import("kinesalite")).default;
    const secure = create({ ssl: true, key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), createStreamMs: 0 });
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    const securePort = (secure.address() as AddressInfo).port;
    const reader = new KinesisClient({
      endpoint: `https://127.0.0.1:${securePort}`,
      region: "us-east-1",
      credentials: { accessKeyId: "reader", secretAccessKey: "reader" },
      requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: readFileSync(pki.caFile) }) }),
    });
    try {
      await reader.send(new CreateStreamCommand({ StreamName: "tls", ShardCount: 1 }));
      const flags = ["--logger_plugin=aws_kinesis", `--aws_kinesis_endpoint=127.0.0.1:${securePort}`, "--aws_kinesis_stream=tls", "--aws_kinesis_period=1", "--aws_access_key_id=AKIDKINESIS", "--aws_secret_access_key=kinesis-secret", "--aws_kinesis_disable_log_status"];
      const untrusted = daemon([...flags, `--tls_server_certs=${other}`], { name: "untrusted" });
      await waitFor("the certificate warning", () => stderrOf("untrusted").includes("the server certificate is not signed by a trusted CA"));
      await stopDaemon(untrusted);
      const trusted = daemon([...flags, `--tls_server_certs=${pki.caFile}`]);
      const records = await waitFor("records over HTTPS", async () => {
        const d = await reader.send(new DescribeStreamCommand({ StreamName: "tls" }));
        const it = await reader.send(new GetShardIteratorCommand({ StreamName: "tls", ShardId: d.StreamDescription!.Shards![0]!.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
        const r = await reader.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
        return (r.Records ?? []).length > 0 && r.Records!;
      });
      await stopDaemon(trusted);
      expect(Buffer.from(records[0]!.Data!).toString()).toContain('"name":"clock"');
    } finally {
      reader.destroy();
      secure.close();
      rmSync(pki.dir, { recursive: true, force: true });
      rmSync(dirname(other), { recursive: true, force: true });
    }
  });

  async function newStream(): Promise<string> {
    const name = `osq-${++streamN}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitFor("the stream", async () => (await kinesis.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription?.StreamStatus === "ACTIVE");
    return name;
  }

  async function readAll(stream: string): Promise<{ data: string; partitionKey: string }[]> {
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: d.StreamDescription!.Shards![0]!.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
    const out: { data: string; partitionKey: string }[] = [];
    let iterator = it.ShardIterator;
    for (let i = 0; i < 50 && iterator; i++) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const rec of r.Records ?? []) out.push({ data: Buffer.from(rec.Data!).toString("utf8"), partitionKey: rec.PartitionKey! });
      if ((r.Records ?? []).length === 0) break;
      iterator = r.NextShardIterator;
    }
    return out;
  }

  const kinesisFlags = (stream: string) => [`--aws_kinesis_endpoint=http://127.0.0.1:${port}`, `--aws_kinesis_stream=${stream}`, "--aws_kinesis_period=1", "--aws_access_key_id=AKIDKINESIS", "--aws_secret_access_key=kinesis-secret"];

  test("records read back with the SDK: results and statuses, the host identifier as partition key, no trailing newline", async () => {
    const stream = await newStream();
    const p = daemon(["--logger_plugin=aws_kinesis", ...kinesisFlags(stream)]);
    const records = await waitFor("result and status records", async () => {
      const r = await readAll(stream);
      return r.some((x) => x.data.includes('"log_type":"result"')) && r.some((x) => x.data.includes('"log_type":"status"')) && r;
    });
    await stopDaemon(p);
    for (const r of records) {
      expect(r.partitionKey).toBe("aws-test-host");
      expect(r.data.endsWith("}")).toBe(true);
    }
    const result = records.map((r) => JSON.parse(r.data) as Logged).find((l) => l.log_type === "result")!;
    expect(result).toMatchObject({ name: "clock", counter: "0", action: "added", columns: { path: "a/b" } });
  });

  test("--aws_kinesis_random_partition_key gives each record its own UUID; --aws_kinesis_disable_log_status sends results only", async () => {
    const stream = await newStream();
    const p = daemon(["--logger_plugin=aws_kinesis", ...kinesisFlags(stream), "--aws_kinesis_random_partition_key", "--aws_kinesis_disable_log_status"]);
    const records = await waitFor("results", async () => {
      const r = await readAll(stream);
      return r.length >= 3 && r;
    });
    await stopDaemon(p);
    const keys = records.map((r) => r.partitionKey);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(keys.length);
    expect(records.every((r) => r.data.includes('"log_type":"result"'))).toBe(true);
  });

  test("kinesalite down for a while: every line arrives once when it is back", async () => {
    const stream = await newStream();
    const p = daemon(["--logger_plugin=aws_kinesis,filesystem", ...kinesisFlags(stream), "--aws_kinesis_disable_log_status"]);
    await waitFor("the first records", async () => (await readAll(stream)).length >= 2);
    // kinesalite's own close() also empties its store; the HTTP server's close stops only the listener.
    await new Promise<void>((resolve) => {
      HttpServerClass.prototype.close.call(kinesalite, () => resolve());
      kinesalite.closeAllConnections();
    });
    const downAt = localResults().length;
    await waitFor("results produced while Kinesis is down", () => localResults().length >= downAt + 6);
    await new Promise<void>((resolve) => kinesalite.listen(port, "127.0.0.1", resolve));
    await waitFor("the lines of the outage", async () => (await readAll(stream)).length >= downAt + 6, 40_000);
    await stopDaemon(p);
    const again = daemon(["--logger_plugin=aws_kinesis", ...kinesisFlags(stream)], { config: {}, name: "again" });
    const expected = localResults().sort();
    await waitFor("every line", async () => (await readAll(stream)).filter((r) => r.data.includes('"log_type":"result"')).length >= expected.length, 30_000);
    await Bun.sleep(1500);
    await stopDaemon(again);
    const received = (await readAll(stream))
      .map((r) => JSON.parse(r.data) as Logged)
      .filter((l) => l.log_type === "result")
      .map(key)
      .sort();
    expect(received).toEqual(expected);
    expect(stderrOf()).toContain("aws_kinesis: could not send");
  }, 120_000);
});

describe("registry and flags", () => {
  test("osquery_registry lists the three loggers; the aws_* flags parse with osquery's defaults", () => {
    const loggers = query("SELECT name FROM osquery_registry WHERE registry = 'logger'").map((r) => r.name);
    for (const name of ["aws_firehose", "aws_kinesis", "syslog"]) expect(loggers).toContain(name);
    const rows = query(
      "SELECT name, type, default_value, value FROM osquery_flags WHERE name IN ('aws_kinesis_period', 'aws_firehose_period', 'aws_sts_session_name', 'aws_sts_timeout', 'aws_proxy_scheme', 'aws_kinesis_random_partition_key', 'aws_region')",
      ["--aws_region=eu-central-1"],
    );
    expect(Object.fromEntries(rows.map((r) => [r.name, [r.type, r.default_value, r.value]]))).toEqual({
      aws_firehose_period: ["uint64", "10", "10"],
      aws_kinesis_period: ["uint64", "10", "10"],
      aws_kinesis_random_partition_key: ["bool", "false", "false"],
      aws_proxy_scheme: ["string", "https", "https"],
      aws_region: ["string", "", "eu-central-1"],
      aws_sts_session_name: ["string", "default", "default"],
      aws_sts_timeout: ["uint64", "3600", "3600"],
    });
  });
});

describe("regions and endpoints as osquery resolves them", () => {
  const inputs = (over: Partial<Parameters<typeof resolveRegion>[2]> = {}) => ({ region: "", profileName: "", enforceFips: false, profileDir: join(dir, ".aws"), ...over });
  test("the service flag, then --aws_region, then the profile, then us-east-1; unknown regions refused unless an endpoint is set", () => {
    expect(resolveRegion("eu-west-3", true, inputs({ region: "us-west-1" }))).toEqual(ok("eu-west-3"));
    expect(resolveRegion("", true, inputs({ region: "us-west-1" }))).toEqual(ok("us-west-1"));
    expect(resolveRegion("", true, inputs())).toEqual(ok("us-east-1"));
    expect(resolveRegion("moon-1", true, inputs())).toEqual(err("Invalid region moon-1"));
    expect(resolveRegion("moon-1", false, inputs())).toEqual(ok("moon-1"));
    // A named profile must exist and give a region; the unnamed default may be missing.
    expect(resolveRegion("", true, inputs({ profileName: "p" }))).toMatchObject({ ok: false });
    mkdirSync(join(dir, ".aws"));
    writeFileSync(join(dir, ".aws", "config"), "[default]\nregion = ca-central-1\n[profile p]\nregion = sa-east-1\n[profile q]\noutput = json\n[profile bad]\nregion = nowhere\n");
    expect(resolveRegion("", true, inputs())).toEqual(ok("ca-central-1"));
    expect(resolveRegion("", true, inputs({ profileName: "p" }))).toEqual(ok("sa-east-1"));
    expect(resolveRegion("", true, inputs({ profileName: "q" }))).toEqual(err("AWS region not found for profile: q"));
    expect(resolveRegion("", true, inputs({ profileName: "r" }))).toEqual(err("AWS profile not found: r"));
    expect(resolveRegion("", true, inputs({ profileName: "bad" }))).toEqual(err("Invalid aws_region in profile: nowhere"));
    expect(resolveRegion("eu-west-1", true, inputs({ enforceFips: true }))).toEqual(err("Region eu-west-1 is not FIPS compliant"));
  });

  test("regional, China, FIPS and overridden endpoints", () => {
    const url = (r: Result<URL, string>) => (r.ok ? r.value.href : r.error);
    expect(url(serviceEndpoint("kinesis", "eu-west-1", "", false))).toBe("https://kinesis.eu-west-1.amazonaws.com/");
    expect(url(serviceEndpoint("firehose", "cn-north-1", "", false))).toBe("https://firehose.cn-north-1.amazonaws.com.cn/");
    expect(url(serviceEndpoint("kinesis", "us-east-2", "", true))).toBe("https://kinesis-fips.us-east-2.amazonaws.com/");
    expect(url(serviceEndpoint("kinesis", "us-gov-west-1", "", true))).toBe("https://kinesis.us-gov-west-1.amazonaws.com/");
    expect(url(serviceEndpoint("firehose", "us-gov-west-1", "", true))).toBe("https://firehose-fips.us-gov-west-1.amazonaws.com/");
    // A bare host:port gets the SDK's default scheme.
    expect(url(serviceEndpoint("kinesis", "us-east-1", "localhost:4567", false))).toBe("https://localhost:4567/");
    expect(url(serviceEndpoint("kinesis", "us-east-1", "http://127.0.0.1:4567", false))).toBe("http://127.0.0.1:4567/");
    expect(url(serviceEndpoint("kinesis", "us-east-1", "http://127.0.0.1:1", true))).toBe("Cannot override the endpoint when FIPS is enforced");
  });
});

describe("batching and retries (a recording sink, the real LMDB buffer)", () => {
  interface Call {
    body: { Records: { Data: string; PartitionKey?: string }[] };
  }
  async function rig(service: StreamService, answer: (call: Call, n: number) => Result<unknown, string>) {
    const store = await openStore(join(dir, "db"));
    const clock = new FakeClock();
    const calls: Call[] = [];
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warning: (m: string) => logged.push(m), error: (m: string) => logged.push(m), verbose: () => {} };
    const plugin = new AwsLoggerPlugin({
      service,
      store,
      clock,
      settings: () => ({ stream: "s", periodSeconds: 10, sendStatus: true, randomPartitionKey: false, bufferedLogMax: 0, decorationsTopLevel: false }),
      sink: {
        resolve: () => ok({ region: "us-east-1", url: new URL("http://127.0.0.1:9/") }),
        call: async (_region, _url, _target, body) => {
          const call = { body: body as Call["body"] };
          calls.push(call);
          return answer(call, calls.length);
        },
      },
      log,
      hostIdentifier: () => "host-1",
      decorations: () => new Map(),
    });
    expect(plugin.setUp()).toBeNull();
    return { store, clock, calls, logged, plugin };
  }
  const okReply = (call: Call) => ok({ FailedRecordCount: 0, Records: call.body.Records.map(() => ({ SequenceNumber: "1", ShardId: "shardId-000000000000" })) });
  const data = (c: Call) => c.body.Records.map((r) => Buffer.from(r.Data, "base64").toString());

  test("500 records a request, then the rest; a record over 1 MB and a line that is not JSON are dropped with an error", async () => {
    const r = await rig(KINESIS, okReply);
    const lines = Array.from({ length: 620 }, (_v, i) => JSON.stringify({ name: "q", counter: i }));
    r.plugin.logLines(lines.map((line) => ({ kind: "result", line })));
    r.plugin.logString(JSON.stringify({ name: "big", pad: "x".repeat(1_000_000) }));
    r.plugin.logString("not json");
    await r.plugin.drainOnce();
    expect(r.calls.map((c) => c.body.Records.length)).toEqual([500, 120]);
    expect(r.calls.flatMap(data)).toEqual(lines.map((l, i) => l.replace(`"counter":${i}`, `"counter":"${i}"`).replace(/}$/, ',"log_type":"result"}')));
    expect(r.calls[0]!.body.Records.every((x) => x.PartitionKey === "host-1")).toBe(true);
    const tooBig = r.logged.find((m) => m.startsWith("aws_kinesis: The following log records have been discarded because they were too big"));
    // The report names the record without carrying it: it is itself a status line that must fit in a record.
    expect(tooBig).toContain('1000043 bytes: {"name":"big","pad":"xxx');
    expect(tooBig!.length).toBeLessThan(1000);
    expect(r.logged.some((m) => m.includes("not in JSON format") && m.endsWith(": not json"))).toBe(true);
    expect(r.plugin.buffered).toBe(0);
    await r.store.close();
  });

  test("Firehose packs at most 4 MB a request", async () => {
    const r = await rig(FIREHOSE, (call) => ok({ FailedPutCount: 0, RequestResponses: call.body.Records.map(() => ({ RecordId: "x" })) }));
    const line = JSON.stringify({ name: "q", pad: "y".repeat(900_000) });
    for (let i = 0; i < 9; i++) r.plugin.logString(line);
    await r.plugin.drainOnce();
    // 900 kB records: four fit under 4 MB, the fifth would not.
    expect(r.calls.map((c) => c.body.Records.length)).toEqual([4, 4, 1]);
    expect(r.calls.flatMap(data).every((d) => d.endsWith('"log_type":"result"}\n'))).toBe(true);
    await r.store.close();
  });

  test("refused records alone are sent again, 4 s then 5 s later; a failed request is retried whole", async () => {
    const r = await rig(KINESIS, (call, n) => {
      if (n === 1) return ok({ FailedRecordCount: 1, Records: call.body.Records.map((_x, i) => (i === 1 ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" } : { SequenceNumber: "1" })) });
      if (n === 2) return err("Request to http://127.0.0.1:9/ failed: connection refused");
      return okReply(call);
    });
    r.plugin.logLines(["a", "b", "c"].map((v) => ({ kind: "result" as const, line: JSON.stringify({ v }) })));
    await r.plugin.drainOnce();
    expect(r.calls.map((c) => data(c).map((d) => (JSON.parse(d) as { v: string }).v))).toEqual([["a", "b", "c"], ["b"], ["b"]]);
    expect(r.clock.sleeps).toEqual([retryDelayMs(1), retryDelayMs(2)]);
    expect([retryDelayMs(0), retryDelayMs(1), retryDelayMs(2), retryDelayMs(99)]).toEqual([0, 4000, 5000, 102_000]);
    expect(r.logged.filter((m) => m.includes("could not send")).length).toBe(2);
    expect(r.logged.at(-1)).toBe("aws_kinesis: sending logs again after 2 failed attempts");
    expect(r.plugin.buffered).toBe(0);
    await r.store.close();
  });
});
