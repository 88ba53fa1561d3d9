// The tables about osq itself, through the compiled binary.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, SHARED, osq, query } from "../helpers.ts";

test("osquery_info describes this process", () => {
  const [row] = query("select pid, version, build_platform, platform_mask, watcher, extensions, start_time from osquery_info");
  expect(row!.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(row!.build_platform).toBe("linux");
  expect(row!.platform_mask).toBe("9");
  expect(row!.watcher).toBe("-1");
  expect(Math.abs(Number(row!.start_time) - Date.now() / 1000)).toBeLessThan(60);
  expect(Number(row!.pid)).toBeGreaterThan(1);
});

test("osquery_info.uuid equals system_info.uuid; hostname agrees with the OS", () => {
  const [row] = query("select i.uuid as a, s.uuid as b, s.hostname as h from osquery_info i, system_info s");
  expect(row!.a).toBe(row!.b!);
  expect(row!.h!.split(".")[0]).toBe(hostname().split(".")[0]!);
});

test("osquery_registry lists every table once, active", () => {
  const tables = query("select name from osquery_registry where registry = 'table' and active = 1").map((r) => r.name);
  const listed = query("select count(*) as n from osquery_registry where registry = 'table'")[0]!.n;
  expect(tables).toContain("processes");
  expect(tables).toContain("osquery_registry");
  expect(new Set(tables).size).toBe(Number(listed));
  const plugins = query("select name, active from osquery_registry where registry = 'config'");
  expect(plugins).toContainEqual({ active: "1", name: "filesystem" });
});

test("osquery_extensions: core's sdk_version is the SDK version; disabled extensions list nothing", () => {
  const [core] = query("select version, sdk_version from osquery_extensions where uuid = 0");
  const [info] = query("select version from osquery_info");
  // osquery's SDK version equals its release version.
  expect(core).toEqual({ version: info!.version!, sdk_version: info!.version! });
  expect(query("select * from osquery_extensions", ["--disable_extensions"])).toEqual([]);
});

test("osquery_extensions lists core as uuid 0 on the configured socket", () => {
  expect(query("select uuid, name, path, type from osquery_extensions", ["--extensions_socket=/tmp/osq-test.em"])).toEqual([
    { name: "core", path: "/tmp/osq-test.em", type: "core", uuid: "0" },
  ]);
});

describe("osquery_registry lists only plugins that can be activated", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-registry-"));
  const config = join(dir, "osquery.conf");
  writeFileSync(config, JSON.stringify({ schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } }));
  const listed = (registry: string) => query(`select name from osquery_registry where registry = '${registry}'`).map((r) => r.name!);
  // The AWS loggers need a stream and credentials to activate, as osquery's do;
  // their endpoint is a closed port on 127.0.0.1 (test/logger/aws.test.ts sends for real).
  const setup = (name: string): string[] => {
    const service = name.startsWith("aws_") ? name.slice(4) : null;
    if (!service) return [];
    return [`--aws_${service}_stream=osq`, "--aws_region=us-east-1", "--aws_access_key_id=AKID", "--aws_secret_access_key=SECRET", `--aws_${service}_endpoint=http://127.0.0.1:9`];
  };

  test("every listed config plugin is accepted by --config_plugin", () => {
    const names = listed("config");
    expect(names).toContain("filesystem");
    for (const name of names.filter((n) => n !== "tls")) {
      const r = osq(["--config_check", `--config_plugin=${name}`, `--config_path=${config}`], { bin: OSQUERYD });
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: "" });
    }
    // tls needs a server (test/remote/tls.test.ts runs it against one); without --tls_hostname
    // it is activated, and the check fails on the missing server, not on the plugin.
    if (names.includes("tls")) {
      const r = osq(["--config_check", "--config_plugin=tls"], { bin: OSQUERYD });
      expect({ code: r.code, unknown: r.stderr.includes("Unknown registry plugin"), why: r.stderr.includes("--tls_hostname is not set") }).toEqual({
        code: 1,
        unknown: false,
        why: true,
      });
    }
  });

  test("every listed logger plugin starts in a daemon", () => {
    const names = listed("logger");
    expect(names).toContain("filesystem");
    for (const name of names) {
      const r = osq(
        [`--logger_plugin=${name}`, ...setup(name), `--config_path=${config}`, "--ephemeral", "--disable_watchdog", "--schedule_timeout=1", `--logger_path=${join(dir, name)}`],
        { bin: OSQUERYD },
      );
      expect({ name, code: r.code, refused: r.stderr.includes("Cannot activate") }).toEqual({ name, code: 0, refused: false });
    }
  });

  test("a plugin the daemon refuses is not listed", () => {
    // The daemon's own verdict on names osquery has and osq may not: listed exactly when accepted.
    for (const name of ["tls", "syslog", "aws_kinesis"]) {
      const r = osq([`--logger_plugin=${name}`, ...setup(name), `--config_path=${config}`, "--ephemeral", "--disable_watchdog", "--schedule_timeout=1", `--logger_path=${join(dir, name)}`], {
        bin: OSQUERYD,
      });
      expect({ name, listed: listed("logger").includes(name) }).toEqual({ name, listed: r.code === 0 });
    }
    const tlsConfig = osq(["--config_check", "--config_plugin=tls", `--config_path=${config}`], { bin: OSQUERYD });
    expect(listed("config").includes("tls")).toBe(!tlsConfig.stderr.includes("Unknown registry plugin"));
    const tlsDistributed = osq(["--disable_distributed=false", "--distributed_plugin=tls", `--config_path=${config}`, "--ephemeral", "--disable_watchdog", "--schedule_timeout=1", `--logger_path=${join(dir, "dist")}`], {
      bin: OSQUERYD,
    });
    expect(listed("distributed")).toEqual(tlsDistributed.code === 0 ? ["tls"] : []);
  });
});

describe("osquery_registry shows the database plugin in use as the one active", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-registry-db-"));
  const activeDatabase = "select name from osquery_registry where registry = 'database' and active = 1";

  test("the shell: ephemeral, or lmdb with an explicit --database_path", () => {
    expect(query(activeDatabase)).toEqual([{ name: "ephemeral" }]);
    expect(query(activeDatabase, [`--database_path=${join(dir, "shell.db")}`])).toEqual([{ name: "lmdb" }]);
  });

  test("the daemon: lmdb on disk, ephemeral with --ephemeral", () => {
    const config = join(dir, "osquery.conf");
    writeFileSync(config, JSON.stringify({ schedule: { db: { query: activeDatabase, interval: 1, snapshot: true } } }));
    const snapshot = (args: string[]) => {
      const r = osq([`--config_path=${config}`, "--disable_watchdog", "--schedule_timeout=2", "--logger_plugin=stdout", ...args], { bin: OSQUERYD });
      const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
      if (!line) throw new Error(`no result line from osqueryd (${r.code}): ${r.stderr}`);
      return (JSON.parse(line) as { snapshot: unknown }).snapshot;
    };
    expect(snapshot(["--ephemeral"])).toEqual([{ name: "ephemeral" }]);
    expect(snapshot([`--database_path=${join(dir, "daemon.db")}`, `--pidfile=${join(dir, "osqueryd.pid")}`])).toEqual([{ name: "lmdb" }]);
  }, 20000);
});

describe("osquery_flags lists the flags osquery defines", () => {
  test("hidden flags are listed; short names, gflags' flagfile and aliases are not", () => {
    const names = query("select name from osquery_flags").map((r) => r.name!);
    expect(names).toContain("schedule_lognames");
    expect(names).toContain("extensions_default_index");
    for (const absent of ["S", "D", "L", "A", "flagfile", "config_tls_refresh"]) expect(names).not.toContain(absent);
  });

  test("types are gflags' own, uint32 included", () => {
    // osquery declares these FLAG(uint32, ...) (extensions, carver, hash cache, TLS sessions).
    const rows = query("select name, type from osquery_flags where name in ('thrift_timeout', 'carver_block_size', 'carver_expiry', 'hash_cache_max', 'tls_session_timeout', 'config_refresh')");
    expect(Object.fromEntries(rows.map((r) => [r.name, r.type]))).toEqual({
      carver_block_size: "uint32", carver_expiry: "uint32", config_refresh: "uint64", hash_cache_max: "uint32", thrift_timeout: "uint32", tls_session_timeout: "uint32",
    });
    const big = osq(["--carver_block_size=4294967296", "select 1"]);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain("uint32 flag 'carver_block_size'");
  });

  test("rows come in byte order of name", () => {
    const names = query("select name from osquery_flags").map((r) => r.name!);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test("custom_ options from the config are string flags with no default", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-flags-"));
    const config = join(dir, "osquery.conf");
    writeFileSync(config, JSON.stringify({ options: { custom_fid3: "hello" } }));
    expect(query("select * from osquery_flags where name = 'custom_fid3'", [`--config_path=${config}`])).toEqual([
      { name: "custom_fid3", type: "string", description: "", default_value: "", value: "hello", shell_only: "0" },
    ]);
  });
});

describe("osquery_registry follows osquery's registry", () => {
  test("the shell forces disable_logging, so no logger plugin is active there", () => {
    const loggers = query("select name, active from osquery_registry where registry = 'logger'");
    expect(loggers.length).toBeGreaterThan(0);
    expect(loggers.filter((r) => r.active !== "0")).toEqual([]);
  });

  test("internal: utility tables, database and sql plugins; other tables are not", () => {
    const catalogue = JSON.parse(readFileSync(join(SHARED, "tables.json"), "utf8")) as { name: string; utility?: boolean }[];
    const registered = new Set(query("select name from osquery_registry where registry = 'table'").map((r) => r.name!));
    const utility = catalogue.filter((t) => t.utility && registered.has(t.name)).map((t) => t.name).sort();
    expect(utility).toContain("osquery_info");
    const internalTables = query("select name from osquery_registry where registry = 'table' and internal = 1").map((r) => r.name!);
    expect(internalTables.sort()).toEqual(utility);
    expect(query("select registry, name from osquery_registry where registry in ('database', 'sql') and internal = 0")).toEqual([]);
  });

  test("rows come in byte order of registry, then name", () => {
    const rows = query("select registry, name from osquery_registry").map((r) => `${r.registry}\u0000${r.name}`);
    expect(rows).toEqual([...rows].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

test("osquery_info in the shell reports the loaded --config_path config's hash and validity", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-info-"));
  const config = join(dir, "osquery.conf");
  const text = JSON.stringify({ schedule: { one: { query: "SELECT 1", interval: 60 } } });
  writeFileSync(config, text);
  // osquery: SHA1 over the concatenated per-source SHA1 hex digests (one source here).
  const expected = createHash("sha1").update(createHash("sha1").update(text).digest("hex")).digest("hex");
  expect(query("select config_hash, config_valid from osquery_info", [`--config_path=${config}`])).toEqual([{ config_hash: expected, config_valid: "1" }]);
  const missing = [`--config_path=${join(dir, "missing.conf")}`];
  expect(query("select config_hash, config_valid from osquery_info", missing)).toEqual([{ config_hash: "", config_valid: "0" }]);
});

test("osquery_schedule leaves out the queries of a pack whose discovery finds nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-schedule-"));
  const config = join(dir, "osquery.conf");
  writeFileSync(
    config,
    JSON.stringify({
      schedule: { a: { query: "SELECT 1", interval: 10 } },
      packs: {
        off: { discovery: ["SELECT 1 WHERE 0"], queries: { q: { query: "SELECT 2", interval: 10 } } },
        on: { discovery: ["SELECT 1"], queries: { q: { query: "SELECT 3", interval: 10 } } },
      },
    }),
  );
  expect(query("select name from osquery_schedule", [`--config_path=${config}`]).map((r) => r.name)).toEqual(["a", "pack_on_q"]);
  expect(query("select name, active from osquery_packs where name = 'off'", [`--config_path=${config}`])).toEqual([{ name: "off", active: "0" }]);
});

test("osquery_events lists every publisher and subscriber, inactive in a shell without events", () => {
  const r = osq(["--json", "select * from osquery_events"]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  const rows = JSON.parse(r.stdout) as Record<string, string>[];
  const zero = { subscriptions: "0", events: "0", refreshes: "0", active: "0" };
  expect(rows).toContainEqual({ name: "inotify", publisher: "inotify", type: "publisher", ...zero });
  expect(rows).toContainEqual({ name: "udev", publisher: "udev", type: "publisher", ...zero });
  expect(rows).toContainEqual({ name: "file_events", publisher: "inotify", type: "subscriber", ...zero });
  expect(rows).toContainEqual({ name: "hardware_events", publisher: "udev", type: "subscriber", ...zero });
  // Publishers first, then subscribers, as osquery lists them.
  const types = rows.map((x) => x.type);
  expect(types).toEqual([...types].sort((a, b) => (a === b ? 0 : a === "publisher" ? -1 : 1)));
  expect(osq([".schema osquery_events"]).stdout).toContain("`subscriptions` INTEGER, `events` INTEGER, `refreshes` INTEGER, `active` INTEGER");
});
