// Config parsing and merging (INTERFACES §4) through the filesystem plugin on
// files in a temp dir: comments and continuations, limits, source order,
// options, packs (inline, by path, "*"), platform/version/shard/discovery,
// malformed shapes, bad intervals, splay persistence, denylist, and reloads
// that fail and keep the last good config.
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags } from "../../src/flags/flags.ts";
import { FLAG_BY_NAME } from "../../src/flags/registry.ts";
import { MemoryStore } from "../../src/store/store.ts";
import { Config, optionText, type ScheduledEntry } from "../../src/daemon/config.ts";
import { MAX_CONFIG_BYTES, parseConfigText, stripConfigComments } from "../../src/daemon/config-text.ts";
import { parseDecorators } from "../../src/daemon/decorators.ts";
import { machineShard, splayValue, valueToBool, valueToSize } from "../../src/daemon/packs.ts";
import { FilesystemConfigPlugin } from "../../plugins/config/filesystem.ts";

const TOUCHED = ["disable_watchdog", "schedule_splay_percent", "schedule_default_interval", "host_identifier", "verbose", "logger_plugin", "pack_delimiter", "schedule_epoch"];
afterAll(() => {
  for (const name of TOUCHED) flags.set(name, FLAG_BY_NAME.get(name)!.defaultValue, "default");
});

let dir: string;
let confPath: string;
let store: MemoryStore;
let warnings: string[];
let infos: string[];
let verboses: string[];
let discoveryAnswers: Map<string, boolean>;
const HOST = "config-test-host";

function newConfig(random = () => 0.5): Config {
  return new Config({
    plugin: new FilesystemConfigPlugin(() => confPath, (m) => warnings.push(m)),
    store,
    hostname: HOST,
    version: "5.20.0",
    now: () => 1_700_000_000,
    log: { info: (m) => void infos.push(m), warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m), verbose: (m) => void verboses.push(m) },
    returnsRows: async (sql) => discoveryAnswers.get(sql) ?? true,
    random,
  });
}

function write(path: string, body: unknown): void {
  writeFileSync(path, typeof body === "string" ? body : JSON.stringify(body));
}

async function names(config: Config): Promise<string[]> {
  return (await config.scheduledQueries()).map((e: ScheduledEntry) => e.name);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-config-"));
  confPath = join(dir, "osquery.conf");
  store = new MemoryStore();
  warnings = [];
  infos = [];
  verboses = [];
  discoveryAnswers = new Map();
  for (const name of TOUCHED) flags.set(name, FLAG_BY_NAME.get(name)!.defaultValue, "default");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("config text", () => {
  test("comment lines and line continuations are removed before parsing", () => {
    const text = '{\n  # hash comment\n  // slash comment\n  "a": "x\\\ny",\n   "b": 1 # not a whole-line comment\n}';
    expect(stripConfigComments(text)).toBe('{\n"a": "xy",\n"b": 1 # not a whole-line comment\n}\n');
    const ok = parseConfigText('{\n// c\n"a": 1,\n# c\n"b": "x\\\ny"\n}');
    expect(ok).toEqual({ ok: true, doc: { a: 1, b: "xy" } });
  });

  test("not JSON, not an object, too large and too deep are errors", () => {
    expect(parseConfigText("{ schedule: }")).toMatchObject({ ok: false, error: expect.stringContaining("Error parsing the config JSON") });
    expect(parseConfigText("[1, 2]")).toMatchObject({ ok: false, error: expect.stringContaining("has to be an Object") });
    expect(parseConfigText("")).toMatchObject({ ok: false });
    const big = JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) });
    expect(parseConfigText(big)).toMatchObject({ ok: false, error: expect.stringContaining(`limit of ${MAX_CONFIG_BYTES} bytes`) });
    const deep = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
    expect(parseConfigText(deep(31)).ok).toBe(true);
    expect(parseConfigText(deep(32))).toMatchObject({ ok: false, error: expect.stringContaining("too many nesting levels") });
  });
});

describe("sources and options", () => {
  test("config_path and .d/*.conf merge in lexical order: later options win, schedules add up", async () => {
    mkdirSync(`${confPath}.d`);
    write(confPath, { options: { schedule_default_interval: 100, host_identifier: "uuid" }, schedule: { main_q: { query: "select 1" } } });
    write(join(`${confPath}.d`, "b.conf"), { options: { host_identifier: "instance" }, schedule: { b_q: { query: "select 2", interval: 5 } } });
    write(join(`${confPath}.d`, "a.conf"), { options: { host_identifier: "specified" } });
    write(join(`${confPath}.d`, "ignored.json"), { options: { host_identifier: "ephemeral" } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(flags.get("host_identifier")).toBe("instance");
    expect(flags.source("host_identifier")).toBe("config");
    expect(await names(config)).toEqual(["main_q", "b_q"]);
    // main_q was parsed before its source's options applied (osquery's order): the old default interval.
    expect((await config.scheduledQueries())[0]!.query.interval).toBe(3600);
  });

  test("options fold into one merged set in the order sources are applied: a re-applied source wins, dropped options stay", async () => {
    mkdirSync(`${confPath}.d`);
    write(confPath, { options: { host_identifier: "uuid", schedule_default_interval: 100 } });
    write(join(`${confPath}.d`, "b.conf"), { options: { host_identifier: "instance", schedule_default_interval: 200 } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(flags.get("host_identifier")).toBe("instance");
    // Only osquery.conf changes: it is merged last, so its value now wins although it sorts first.
    write(confPath, { options: { host_identifier: "specified", schedule_default_interval: 100 } });
    expect(await config.refresh()).toBeNull();
    expect(flags.get("host_identifier")).toBe("specified");
    expect(flags.get("schedule_default_interval")).toBe("100");
    // osquery.conf stops setting the interval: its 100 stays in the merged set, b.conf's 200 does not come back.
    write(confPath, { options: { host_identifier: "specified" } });
    expect(await config.refresh()).toBeNull();
    expect(flags.get("schedule_default_interval")).toBe("100");
  });

  test("option numbers as osquery prints them: 32-bit ints as such, anything else through GetUint64", () => {
    expect(optionText(3000000000)).toBe("3000000000");
    expect(optionText(-1)).toBe("-1");
    expect(optionText(-(2 ** 40))).toBe(String(2n ** 64n - 2n ** 40n));
    expect(optionText(1.5)).toBe("4609434218613702656");
  });

  test("option values: bools, numbers, JSON; empty strings skipped; CLI-only and unknown flags refused with a warning", async () => {
    write(confPath, {
      options: {
        verbose: true,
        schedule_splay_percent: 50,
        pack_delimiter: "",
        logger_plugin: "stdout",
        no_such_flag: 1,
        custom_team: "blue",
        custom_list: [1, 2],
      },
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(flags.get("verbose")).toBe("true");
    expect(flags.get("schedule_splay_percent")).toBe("50");
    expect(flags.get("pack_delimiter")).toBe("_");
    expect(flags.get("logger_plugin")).toBe("filesystem");
    expect(flags.get("custom_team")).toBe("blue");
    expect(flags.get("custom_list")).toBe("[1,2]");
    expect(warnings.some((w) => w.includes("--logger_plugin"))).toBe(true);
    expect(warnings).toContain("Cannot set unknown or invalid flag: no_such_flag");
  });

  test("a missing config_path is an error; the config stays invalid", async () => {
    const config = newConfig();
    expect(await config.refresh()).toBe(`config file does not exist: ${confPath}`);
    expect(config.valid).toBe(false);
    expect(config.hash()).toBe("");
  });
});

describe("packs", () => {
  test("inline, by path and by glob; pack queries get pack_<pack>_<query> names", async () => {
    mkdirSync(join(dir, "packs"));
    write(join(dir, "packs", "hw.conf"), { queries: { usb: { query: "select 3", interval: 60 } } });
    write(join(dir, "packs", "net.conf"), "// a comment\n{\"queries\": {\"ports\": {\"query\": \"select 4\", \"interval\": \"30\"}}}");
    write(join(dir, "single.json"), { queries: { one: { query: "select 5", interval: 10 } } });
    write(confPath, {
      packs: {
        inline: { queries: { b: { query: "select 1", interval: 10 }, a: { query: "select 2", interval: 10 } } },
        bypath: join(dir, "single.json"),
        "*": join(dir, "packs", "*.conf"),
        missing: join(dir, "nope.conf"),
      },
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["pack_inline_a", "pack_inline_b", "pack_bypath_one", "pack_hw_usb", "pack_net_ports"]);
    expect(config.packs().map((p) => p.name)).toEqual(["inline", "bypath", "hw", "net"]);
    expect(warnings.some((w) => w.includes("missing"))).toBe(true);
  });

  test("platform and version are checked on packs and queries; platform is a substring match", async () => {
    write(confPath, {
      packs: {
        mac: { platform: "darwin", queries: { q: { query: "select 1", interval: 10 } } },
        both: { platform: "linux,darwin", queries: { q: { query: "select 1", interval: 10 } } },
        future: { version: "99.0.0", queries: { q: { query: "select 1", interval: 10 } } },
        mixed: {
          queries: {
            win: { query: "select 1", interval: 10, platform: "windows" },
            posix: { query: "select 1", interval: 10, platform: "posix" },
            old: { query: "select 1", interval: 10, version: "1.8.0" },
            new: { query: "select 1", interval: 10, version: "6.0" },
          },
        },
      },
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["pack_both_q", "pack_mixed_old", "pack_mixed_posix"]);
    expect(config.packs().find((p) => p.name === "mac")!.valid).toBe(false);
  });

  test("shard: packs and queries with a shard below this machine's are excluded", async () => {
    const mine = machineShard(HOST);
    write(confPath, {
      packs: {
        low: { shard: Math.max(1, mine - 1), queries: { q: { query: "select 1", interval: 10 } } },
        high: { shard: mine + 1, queries: { q: { query: "select 1", interval: 10 }, tiny: { query: "select 1", interval: 10, shard: Math.max(1, mine - 1) } } },
      },
    });
    const config = newConfig();
    await config.refresh();
    const expected = mine > 1 ? ["pack_high_q"] : ["pack_low_q", "pack_high_q", "pack_high_tiny"];
    expect(await names(config)).toEqual(expected);
  });

  test("discovery: a pack runs only while every discovery query returns rows", async () => {
    write(confPath, {
      packs: {
        yes: { discovery: ["select 1"], queries: { q: { query: "select 1", interval: 10 } } },
        no: { discovery: ["select 1", "select 0 where 0"], queries: { q: { query: "select 1", interval: 10 } } },
      },
    });
    discoveryAnswers.set("select 0 where 0", false);
    const config = newConfig();
    await config.refresh();
    expect(await names(config)).toEqual(["pack_yes_q"]);
    const no = config.packs().find((p) => p.name === "no")!;
    expect(no.active).toBe(false);
    // Cached for pack_refresh_interval: a second look is a cache hit.
    await names(config);
    expect(no.stats.misses).toBe(1);
    expect(no.stats.hits).toBeGreaterThan(0);
  });
});

describe("views", () => {
  test("each object with views replaces the whole set, as osquery's views parser does; bad entries are skipped quietly", async () => {
    mkdirSync(`${confPath}.d`);
    write(confPath, { views: { a: "select 1", empty: "", num: 7 } });
    write(join(`${confPath}.d`, "b.conf"), { views: { b: "select 2" } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect([...config.views()]).toEqual([["b", "select 2"]]);
    write(confPath, { views: { a: "select 3" } });
    expect(await config.refresh()).toBeNull();
    expect([...config.views()]).toEqual([["a", "select 3"]]);
    // A source without views leaves the set alone.
    write(join(`${confPath}.d`, "b.conf"), { options: {} });
    expect(await config.refresh()).toBeNull();
    expect([...config.views()]).toEqual([["a", "select 3"]]);
    expect(warnings).toEqual([]);
  });
});

describe("pack contents for the config parsers", () => {
  test("an active pack's options, decorators, views and file_paths are applied under <source>_<pack>", async () => {
    write(confPath, {
      options: { host_identifier: "uuid" },
      packs: {
        fim: {
          options: { host_identifier: "instance", schedule_default_interval: 120 },
          decorators: { load: ["select 'fim' as pack_decoration"] },
          views: { fim_view: "select 1" },
          file_paths: { etc: ["/etc/%%"] },
          queries: { q: { query: "select 1", interval: 10 } },
        },
        off: { discovery: ["select 0 where 0"], file_paths: { tmp: ["/tmp/%"] }, queries: {} },
      },
    });
    discoveryAnswers.set("select 0 where 0", false);
    const decorated: [string, readonly string[]][] = [];
    const config = new Config({
      plugin: new FilesystemConfigPlugin(() => confPath, (m) => warnings.push(m)),
      store,
      hostname: HOST,
      version: "5.20.0",
      now: () => 1_700_000_000,
      log: { info: () => {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m), verbose: () => {} },
      returnsRows: async (sql) => discoveryAnswers.get(sql) ?? true,
      onDecorators: async (source, spec) => void decorated.push([source, spec?.load ?? []]),
    });
    expect(await config.refresh()).toBeNull();
    // The pack's parsers run before its source's: the source's own option wins.
    expect(flags.get("host_identifier")).toBe("uuid");
    expect(flags.get("schedule_default_interval")).toBe("120");
    expect(decorated).toEqual([[`${confPath}_fim`, ["select 'fim' as pack_decoration"]], [confPath, []]]);
    expect(config.views().get("fim_view")).toBe("select 1");
    const files = config.files();
    expect(files.get(`${confPath}_fim`)!.filePaths.get("etc")).toEqual(["/etc/**"]);
    // A pack whose discovery fails when it is added contributes nothing.
    expect(files.has(`${confPath}_off`)).toBe(false);
    // osquery's addPack already asked every pack whether it runs.
    expect(config.packs().find((p) => p.name === "off")!.stats.misses).toBe(1);
  });
});

describe("malformed shapes", () => {
  test("wrong types are skipped with warnings; the rest of the config still loads", async () => {
    write(confPath, {
      options: "verbose",
      schedule: { ok: { query: "select 1", interval: 10 }, notobj: "select 1", noquery: { interval: 10 }, numquery: { query: 5 }, noquery_counter: { interval: 10 } },
      packs: { bad: 42 },
      decorators: { load: "select 1", interval: { "30": ["select 1"], "120": ["select 2"] } },
      views: { v1: "select 1", v2: 7 },
      file_paths: { etc: ["/etc/%%"], bad: "x" },
      exclude_paths: { other: ["/tmp"] },
      something_new: { whatever: true },
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(config.valid).toBe(true);
    expect(await names(config)).toEqual(["ok"]);
    for (const fragment of ["options should be an array or object", "decorator interval rate 30", "not a file_paths category"]) {
      expect(warnings.some((w) => w.includes(fragment))).toBe(true);
    }
    // osquery's Pack::initialize logs malformed queries at verbose level only; a pack of the wrong shape is ignored.
    for (const fragment of ["invalid query: notobj", "No query string defined for query noquery", "No query string defined for query numquery"]) {
      expect(verboses.some((w) => w.includes(fragment))).toBe(true);
      expect(warnings.some((w) => w.includes(fragment))).toBe(false);
    }
    expect(warnings.some((w) => w.includes("bad"))).toBe(false);
    // The reserved-name check comes first: a reserved name warns even without a query.
    expect(warnings.some((w) => w.includes("noquery_counter"))).toBe(true);
    expect([...config.views()]).toEqual([["v1", "select 1"]]);
    expect(config.files().get(confPath)!.filePaths.get("etc")).toEqual(["/etc/**"]);
    expect(config.files().get(confPath)!.filePaths.has("bad")).toBe(false);
    expect(config.section("something_new").get(confPath)).toEqual({ whatever: true });
  });

  test("bad intervals are skipped: 0, negative, fractional, text, over a week; numeric strings work", async () => {
    write(confPath, {
      schedule: {
        zero: { query: "select 1", interval: 0 },
        negative: { query: "select 1", interval: -5 },
        fraction: { query: "select 1", interval: 1.5 },
        text: { query: "select 1", interval: "often" },
        long: { query: "select 1", interval: 604801 },
        week: { query: "select 1", interval: 604800 },
        str: { query: "select 1", interval: "60" },
        reserved_counter: { query: "select 1", interval: 10 },
      },
    });
    const config = newConfig();
    await config.refresh();
    expect(await names(config)).toEqual(["str", "week"]);
    for (const n of ["zero", "negative", "fraction", "text", "long"]) expect(warnings.some((w) => w.includes(`invalid interval: ${n}`))).toBe(true);
    expect(warnings.some((w) => w.includes("reserved_counter"))).toBe(true);
  });
});

describe("purge of stored results", () => {
  const NOW = 1_700_000_000;
  const OLD = String(NOW - 600_000);

  async function storeResults(names: readonly string[], stamp: string): Promise<void> {
    await store.write((w) => {
      for (const n of names) {
        w.put("queries", n, "[]");
        w.put("queries", `${n}epoch`, "0");
        w.put("configurations", `timestamp.${n}`, stamp);
      }
    });
  }

  test("results of scheduled pack queries stay; unscheduled ones expire; osquery's own keys are never results", async () => {
    write(confPath, { schedule: { m: { query: "select 1", interval: 10 } }, packs: { p: { queries: { q: { query: "select 1", interval: 10 } } } } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    await storeResults(["m", "pack_p_q", "gone", "cache.files", "config_views.v"], OLD);
    await store.write((w) => {
      w.put("queries", "bad", "[]");
      w.put("configurations", "timestamp.bad", "garbage");
    });
    expect(await config.refresh()).toBeNull();
    expect(store.get("queries", "m")).toBe("[]");
    expect(store.get("queries", "pack_p_q")).toBe("[]");
    expect(store.get("queries", "cache.files")).toBe("[]");
    expect(store.get("queries", "config_views.v")).toBe("[]");
    expect(store.get("queries", "gone")).toBeUndefined();
    expect(store.get("queries", "goneepoch")).toBeUndefined();
    expect(store.get("configurations", "timestamp.gone")).toBeUndefined();
    // A timestamp that is not a number is dropped; the results wait for a fresh one.
    expect(store.get("queries", "bad")).toBe("[]");
    expect(store.get("configurations", "timestamp.bad")).toBeUndefined();
  });

  test("the purge runs before the sources apply: at start-up nothing is scheduled yet", async () => {
    await storeResults(["m"], OLD);
    await storeResults(["recent"], String(NOW - 10));
    write(confPath, { schedule: { m: { query: "select 1", interval: 10 }, recent: { query: "select 1", interval: 10 } } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    // osquery's Config::update purges first, against an empty schedule: a week-old result set goes.
    expect(store.get("queries", "m")).toBeUndefined();
    expect(store.get("queries", "recent")).toBe("[]");
  });
});

describe("file categories", () => {
  test("file_paths are stored as osquery's parser stores them: wildcards, absolute, canonical prefix; excludes stay raw", async () => {
    mkdirSync(join(dir, "real/sub"), { recursive: true });
    symlinkSync(join(dir, "real"), join(dir, "link"));
    write(confPath, {
      file_paths: { mixed: [`${dir}/link/%%`, "", 5, `${dir}/real/../real/sub/%.conf`, "/no/such/dir/%"], none: [""], notlist: "x" },
      exclude_paths: { mixed: [`${dir}/link/%.swp`, 7] },
      file_accesses: ["mixed", 3],
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    const files = config.files().get(confPath)!;
    expect([...files.filePaths]).toEqual([["mixed", [`${dir}/real/**`, `${dir}/real/sub/*.conf`, "/no/such/dir/*"]]]);
    expect([...files.excludePaths]).toEqual([["mixed", [`${dir}/link/%.swp`]]]);
    expect(files.fileAccesses).toEqual(["mixed"]);
  });
});

describe("file categories without paths", () => {
  test("a source with neither file_paths nor file_paths_query contributes no excludes or accesses", async () => {
    write(confPath, { exclude_paths: { etc: ["/etc/x"] }, file_accesses: ["etc"] });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    const files = config.files().get(confPath)!;
    expect([...files.excludePaths]).toEqual([]);
    expect(files.fileAccesses).toEqual([]);
  });
});

describe("decorators config", () => {
  test("shapes as osquery's parser reads them: rates through strtoul, warnings where it warns", () => {
    const warned: string[] = [];
    const spec = parseDecorators(
      { load: "select 1", always: ["select 2", 3], interval: { "120s": ["select 3"], " 60": ["select 4"], "90": ["x"], "180": "select 5" } },
      "src",
      (m) => void warned.push(m),
    );
    expect(spec.load).toEqual([]);
    expect(spec.always).toEqual(["select 2"]);
    expect([...spec.interval]).toEqual([[120, ["select 3"]], [60, ["select 4"]]]);
    expect(warned).toEqual([
      "Invalid decorator interval rate 90 in config source: src",
      "Invalid decorator interval rate 180 configuration in config source: src",
    ]);
    warned.length = 0;
    parseDecorators({ interval: ["select 1"] }, "src", (m) => void warned.push(m));
    parseDecorators(["select 1"], "src", (m) => void warned.push(m));
    expect(warned).toEqual([
      "Invalid decorator interval configuration in config source: src",
      "Invalid format for decorators configuration, decorators value must be a JSON object",
    ]);
  });
});

describe("osquery's value conversions", () => {
  test("interval, shard and startup_priority read text as strtoul does; numbers as rapidjson's GetUint64", async () => {
    write(confPath, {
      schedule: {
        suffixed: { query: "select 1", interval: "60s" },
        spaced: { query: "select 1", interval: "  90" },
        minus: { query: "select 1", interval: "-60" },
        soon: { query: "select 1", interval: 10, startup_priority: "soon" },
        wrapped: { query: "select 1", interval: 10, startup_priority: -1 },
        third: { query: "select 1", interval: 10, startup_priority: "3rd" },
      },
    });
    const config = newConfig();
    await config.refresh();
    const byName = new Map((await config.scheduledQueries()).map((e) => [e.name, e.query]));
    expect([...byName.keys()].sort()).toEqual(["soon", "spaced", "suffixed", "third", "wrapped"]);
    expect(byName.get("suffixed")!.interval).toBe(60);
    expect(byName.get("spaced")!.interval).toBe(90);
    expect(warnings.some((w) => w.includes("invalid interval: minus"))).toBe(true);
    // Text without digits is 0, so the query has the first startup run; -1 wraps to "none".
    expect(byName.get("soon")!.startupPriority).toBe(0n);
    expect(byName.get("third")!.startupPriority).toBe(3n);
    expect(byName.get("wrapped")!.startupPriority).toBe(2n ** 64n - 1n);
  });

  test("booleans from numbers keep only the low 32 bits, as GetInt does", () => {
    expect(valueToBool(1)).toBe(true);
    expect(valueToBool(0)).toBe(false);
    expect(valueToBool(2 ** 32)).toBe(false);
    expect(valueToBool(-1)).toBe(true);
    expect(valueToBool("T")).toBe(true);
    expect(valueToBool("yes")).toBe(false);
    expect(valueToSize("12abc")).toBe(12);
    expect(valueToSize("abc")).toBe(0);
    expect(valueToSize("99999999999999999999")).toBe(0);
    expect(valueToSize(1.5)).toBeGreaterThan(604800);
  });
});

describe("reload", () => {
  test("a bad config on reload keeps the last good one; a fixed one replaces it", async () => {
    write(confPath, { schedule: { good: { query: "select 1", interval: 10 } } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    const hash = config.hash();
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    for (const bad of ["{ not json", "[]", JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) })]) {
      write(confPath, bad);
      expect(await config.refresh()).toContain("Error parsing the config JSON");
      expect(await names(config)).toEqual(["good"]);
      expect(config.hash()).toBe(hash);
    }
    rmSync(confPath);
    expect(await config.refresh()).toContain("does not exist");
    expect(await names(config)).toEqual(["good"]);
    write(confPath, { schedule: { better: { query: "select 2", interval: 10 } } });
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["better"]);
    expect(config.hash()).not.toBe(hash);
  });

  test("a source the plugin stops returning keeps its queries; a re-applied source's packs move to the end", async () => {
    mkdirSync(`${confPath}.d`);
    const extra = join(`${confPath}.d`, "b.conf");
    write(confPath, { schedule: { a: { query: "select 1", interval: 10 } } });
    write(extra, { schedule: { b: { query: "select 2", interval: 10 } } });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["a", "b"]);
    // osquery's Config::update only touches the sources it is given.
    rmSync(extra);
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["a", "b"]);
    // Schedule::add appends: the changed source's pack now runs after the other.
    write(confPath, { schedule: { a2: { query: "select 1", interval: 10 } } });
    expect(await config.refresh()).toBeNull();
    expect(await names(config)).toEqual(["b", "a2"]);
  });

  test("a bad .d source fails the whole update, not just itself", async () => {
    write(confPath, { schedule: { good: { query: "select 1", interval: 10 } } });
    const config = newConfig();
    await config.refresh();
    mkdirSync(`${confPath}.d`);
    write(join(`${confPath}.d`, "x.conf"), "{");
    write(confPath, { schedule: { changed: { query: "select 1", interval: 10 } } });
    expect(await config.refresh()).not.toBeNull();
    expect(await names(config)).toEqual(["good"]);
  });
});

describe("splay", () => {
  test("splayValue stays within [I - I·p/100, I + I·p/100] and never below 1", () => {
    expect(splayValue(100, 10, () => 0)).toBe(90);
    expect(splayValue(100, 10, () => 0.999999)).toBe(110);
    expect(splayValue(1, 10, () => 0.7)).toBe(1);
    expect(splayValue(10, 200, () => 0)).toBe(10);
    expect(splayValue(2, 100, () => 0)).toBe(1);
  });

  test("splay is saved per bare query name and reused while the interval stays the same", async () => {
    write(confPath, { schedule: { q: { query: "select 1", interval: 100 } } });
    let config = newConfig(() => 0);
    await config.refresh();
    expect((await config.scheduledQueries())[0]!.query.splayedInterval).toBe(90);
    expect(store.get("configurations", "interval.q")).toBe("100:90");
    // A new process with another random draw still gets the saved splay.
    config = newConfig(() => 0.999);
    await config.refresh();
    expect((await config.scheduledQueries())[0]!.query.splayedInterval).toBe(90);
    // A changed interval draws a new splay.
    write(confPath, { schedule: { q: { query: "select 1", interval: 200 } } });
    await config.refresh();
    expect((await config.scheduledQueries())[0]!.query.splayedInterval).toBe(220);
    expect(store.get("configurations", "interval.q")).toBe("200:220");
  });

  test("a splay percent of 1 or less is forced to 10", async () => {
    flags.set("schedule_splay_percent", "0", "cli");
    write(confPath, { schedule: { q: { query: "select 1", interval: 100 } } });
    const config = newConfig(() => 0);
    await config.refresh();
    expect(flags.get("schedule_splay_percent")).toBe("10");
    expect((await config.scheduledQueries())[0]!.query.splayedInterval).toBe(90);
  });
});

describe("denylist", () => {
  test("skipping a denylisted query is warned about once; the end of its denylisting is logged", async () => {
    await store.write((w) => w.put("configurations", "failed_queries", `crashy:${1_700_000_000 + 100}`));
    write(confPath, { schedule: { crashy: { query: "select 1", interval: 10 } } });
    const config = newConfig();
    await config.restoreDenylist();
    await config.refresh();
    expect((await config.scheduledQueries()).map((e) => e.denylisted)).toEqual([true]);
    await config.scheduledQueries();
    expect(warnings.filter((w) => w.includes("crashy"))).toHaveLength(1);
    write(confPath, { schedule: { crashy: { query: "select 1", interval: 10, denylist: false } } });
    await config.refresh();
    expect((await config.scheduledQueries()).map((e) => e.denylisted)).toEqual([false]);
    expect(infos).toContain("Scheduled denylisted query has expired: crashy");
  });

  test("with --disable_watchdog a query running when the process died is not denylisted", async () => {
    flags.set("disable_watchdog", "true", "cli");
    await store.write((w) => w.put("configurations", "executing_query", "crashy"));
    write(confPath, { schedule: { crashy: { query: "select 1", interval: 10 } } });
    const config = newConfig();
    await config.restoreDenylist();
    await config.refresh();
    expect(warnings).toContain("Scheduled query may have failed: crashy");
    expect(store.get("configurations", "executing_query")).toBe("");
    expect(store.get("configurations", "failed_queries")).toBeUndefined();
    expect((await config.scheduledQueries()).map((e) => [e.name, e.denylisted])).toEqual([["crashy", false]]);
  });

  test("a query running when the process died is denylisted for a day, unless it opts out", async () => {
    await store.write((w) => w.put("configurations", "executing_query", "crashy"));
    write(confPath, {
      schedule: { crashy: { query: "select 1", interval: 10 }, fine: { query: "select 1", interval: 10 } },
    });
    const config = newConfig();
    await config.restoreDenylist();
    await config.refresh();
    expect(warnings).toContain("Scheduled query may have failed: crashy");
    expect(store.get("configurations", "executing_query")).toBe("");
    expect(store.get("configurations", "failed_queries")).toBe(`crashy:${1_700_000_000 + 86400}`);
    const entries = await config.scheduledQueries();
    expect(entries.map((e) => [e.name, e.denylisted])).toEqual([["crashy", true], ["fine", false]]);
    // denylist:false lifts it.
    write(confPath, { schedule: { crashy: { query: "select 1", interval: 10, denylist: false } } });
    await config.refresh();
    expect((await config.scheduledQueries()).map((e) => e.denylisted)).toEqual([false]);
    expect(store.get("configurations", "failed_queries")).toBe("");
  });
});

describe("per-query limits (osq's own keys, which osquery ignores)", () => {
  test("timeout (seconds, fractions allowed) and max_rows (rows) are read, also as text; bad values are warned about and the flags apply", async () => {
    write(confPath, {
      schedule: {
        plain: { query: "select 1", interval: 10 },
        limited: { query: "select 1", interval: 10, timeout: 1.5, max_rows: 100 },
        text: { query: "select 1", interval: 10, timeout: "30", max_rows: "0" },
        bad: { query: "select 1", interval: 10, timeout: -1, max_rows: 2.5 },
      },
    });
    const config = newConfig();
    expect(await config.refresh()).toBeNull();
    const byName = new Map((await config.scheduledQueries()).map((e) => [e.name, e.query]));
    expect([byName.get("plain")!.timeout, byName.get("plain")!.maxRows]).toEqual([undefined, undefined]);
    expect([byName.get("limited")!.timeout, byName.get("limited")!.maxRows]).toEqual([1.5, 100]);
    expect([byName.get("text")!.timeout, byName.get("text")!.maxRows]).toEqual([30, 0]);
    expect([byName.get("bad")!.timeout, byName.get("bad")!.maxRows]).toEqual([undefined, undefined]);
    expect(warnings).toEqual([
      "Query bad has an invalid timeout: -1; --query_timeout applies",
      "Query bad has an invalid max_rows: 2.5; --query_max_rows applies",
    ]);
  });
});
