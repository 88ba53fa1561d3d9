// Every flag osquery's Linux build defines, held against the list
// scripts/gen-osquery-flags.ts reads from osquery's source (osquery-flags.ts):
// the registry has each with osquery's type, default and kind; a flagfile
// naming every one parses in osqueryi and in osqueryd --config_check; and
// osquery_flags shows each as osquery reports it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, osq } from "../helpers.ts";
import { FLAG_ALIASES, FLAGS } from "../../src/flags/registry.ts";
import { OSQUERY_FLAGS, OSQUERY_FLAG_ALIASES } from "./osquery-flags.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-all-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Registry names osquery does not define: gflags' own flagfile, and osq's
 * own flags for what it adds (DESIGN.md "Limits": per-query time and row bounds).
 */
const NOT_OSQUERY: ReadonlySet<string> = new Set(["flagfile", "query_timeout", "query_max_rows"]);

/** Flags a test run must not point at system paths: each gets a place in the temp dir. */
const PRIVATE_PATHS: Record<string, string> = {
  config_path: join(dir, "osquery.conf"),
  database_path: join(dir, "db"),
  pidfile: join(dir, "osqueryd.pidfile"),
  logger_path: join(dir, "logs"),
  extensions_socket: join(dir, "osquery.em"),
  extensions_autoload: join(dir, "extensions.load"),
  numeric_monitoring_filesystem_path: join(dir, "numeric.log"),
  syslog_pipe_path: join(dir, "syslog_pipe"),
};

/** A few values other than the default, one per family, to see they are taken. */
const NON_DEFAULTS: Record<string, string> = {
  rocksdb_write_buffer: "32",
  worker_threads: "8",
  aws_region: "eu-west-1",
  logger_kafka_topic: "osquery_logs",
  audit_backlog_limit: "8192",
  tls_secret_always: "true",
  thrift_string_size_limit: "1024",
  syslog_rate_limit: "50",
};

/** What the shell's run changes: the values osqueryi forces, and --json from its command line. */
const SHELL_VALUES: Record<string, string> = { disable_logging: "true", disable_watchdog: "true", json: "true" };

const env = { HOME: dir };
writeFileSync(PRIVATE_PATHS.config_path!, JSON.stringify({ options: { custom_team: "blue" } }));

function flagfile(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ["# every flag osquery defines on Linux", ...lines].join("\n") + "\n");
  return path;
}

/** `--name=value` for every osquery flag: its default, a private path, or a non-default. */
const everyFlag = OSQUERY_FLAGS.map((f) => `--${f.name}=${PRIVATE_PATHS[f.name] ?? NON_DEFAULTS[f.name] ?? f.defaultValue}`);

describe("the flag registry holds every osquery Linux flag", () => {
  test("each with osquery's type, default and kind, and nothing osquery lacks", () => {
    const ours = new Map(FLAGS.map((f) => [f.name, f]));
    const mismatches: string[] = [];
    for (const o of OSQUERY_FLAGS) {
      const f = ours.get(o.name);
      if (!f) mismatches.push(`${o.name}: missing`);
      else if (f.type !== o.type || f.defaultValue !== o.defaultValue || f.kind !== o.kind) {
        mismatches.push(`${o.name}: ${f.type}/${JSON.stringify(f.defaultValue)}/${f.kind}, osquery has ${o.type}/${JSON.stringify(o.defaultValue)}/${o.kind}`);
      }
    }
    const known = new Set(OSQUERY_FLAGS.map((f) => f.name));
    for (const f of FLAGS) if (!known.has(f.name) && !NOT_OSQUERY.has(f.name)) mismatches.push(`${f.name}: not an osquery flag (if it is osq's own, add it to NOT_OSQUERY)`);
    expect(mismatches).toEqual([]);
    expect(Object.fromEntries(FLAG_ALIASES)).toEqual({ ...OSQUERY_FLAG_ALIASES });
    expect(OSQUERY_FLAGS.length).toBeGreaterThan(230);
  });
});

describe("a flagfile with every osquery flag", () => {
  const all = flagfile("all.flags", everyFlag);

  test("parses in osqueryi, which then runs a query", () => {
    const r = osq([`--flagfile=${all}`, "--json", "select 1 as one"], { env });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('[\n  {"one":"1"}\n]\n');
    expect(r.code).toBe(0);
  });

  test("parses in osqueryd --config_check", () => {
    const r = osq([`--flagfile=${all}`, "--config_check"], { bin: OSQUERYD, env });
    expect(r.stderr).not.toContain("ERROR");
    expect(r.code).toBe(0);
  });

  test("osquery_flags shows each with osquery's default, shell_only, and the value set", () => {
    const r = osq([`--flagfile=${all}`, "--json", "select name, type, default_value, value, shell_only, description from osquery_flags"], { env });
    expect(r.code).toBe(0);
    const rows = new Map((JSON.parse(r.stdout) as Record<string, string>[]).map((row) => [row.name!, row]));
    const wrong: string[] = [];
    for (const o of OSQUERY_FLAGS) {
      // osquery's table leaves out one- and two-letter switches (-S, -D, -L, -A).
      if (o.name.length <= 2) {
        if (rows.has(o.name)) wrong.push(`${o.name}: listed`);
        continue;
      }
      const row = rows.get(o.name);
      const value = SHELL_VALUES[o.name] ?? PRIVATE_PATHS[o.name] ?? NON_DEFAULTS[o.name] ?? o.defaultValue;
      const want = { name: o.name, type: o.type, default_value: o.defaultValue, value, shell_only: o.kind === "shell" ? "1" : "0" };
      if (!row) wrong.push(`${o.name}: not listed`);
      else if (row.description === "") wrong.push(`${o.name}: no description`);
      else {
        const shown = { name: row.name, type: row.type, default_value: row.default_value, value: row.value, shell_only: row.shell_only };
        if (JSON.stringify(shown) !== JSON.stringify(want)) wrong.push(`${o.name}: ${JSON.stringify(shown)}, want ${JSON.stringify(want)}`);
      }
    }
    // Aliases and gflags' flagfile are not osquery flags; the config's custom_ option is.
    for (const alias of Object.keys(OSQUERY_FLAG_ALIASES)) if (rows.has(alias)) wrong.push(`${alias}: an alias is listed`);
    expect(rows.has("flagfile")).toBe(false);
    expect(rows.get("custom_team")?.value).toBe("blue");
    expect(wrong).toEqual([]);
  });

  test("an alias sets, and reads as, the flag it stands for", () => {
    const file = flagfile("aliases.flags", ["--config_tls_refresh=7", "--log_numerics_as_numbers", `--osquery_log_dir=${join(dir, "aliased")}`, "--logger_tls_max=2048"]);
    const r = osq([`--flagfile=${file}`, "--json", "select name, value from osquery_flags where name in ('config_refresh', 'logger_numerics', 'logger_path', 'logger_tls_max_linesize')"], { env });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([
      { name: "config_refresh", value: "7" },
      { name: "logger_numerics", value: "true" },
      { name: "logger_path", value: join(dir, "aliased") },
      { name: "logger_tls_max_linesize", value: "2048" },
    ]);
  });
});

describe("flags whose feature osq lacks", () => {
  test("say at verbose level that they do nothing here, from the CLI and from config options", () => {
    const cli = osq(["--verbose", "--rocksdb_write_buffer=32", "--worker_threads=2", "select 1"], { env });
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain("Flag --rocksdb_write_buffer is accepted but does nothing here: osq stores its state in LMDB, not RocksDB");
    expect(cli.stderr).toContain("Flag --worker_threads is accepted but does nothing here");
    // Without --verbose they are quiet.
    expect(osq(["--rocksdb_write_buffer=32", "select 1"], { env }).stderr).toBe("");

    const conf = join(dir, "inert.conf");
    writeFileSync(conf, JSON.stringify({ options: { rocksdb_merge_number: 9, numeric_monitoring_plugins: "x" } }));
    const d = osq([`--config_path=${conf}`, "--config_check", "--verbose", "--disable_extensions", `--database_path=${join(dir, "db2")}`], { bin: OSQUERYD, env });
    expect(d.code).toBe(0);
    expect(d.stderr).toContain("Flag --rocksdb_merge_number is accepted but does nothing here");
    expect(d.stderr).toContain("Flag --numeric_monitoring_plugins is accepted but does nothing here: osq has no numeric monitoring");
    expect(d.stderr).not.toMatch(/^[WE]\d{4} .*(rocksdb|numeric)/m);
  });

  test("--install and --uninstall say they apply to Windows only and exit 1, as on osquery's POSIX build", () => {
    const i = osq(["--verbose", "--install"], { env });
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/^I.*The --install service flag only applies to Windows platforms$/m);
    expect(i.stderr).toMatch(/^E.*Unable to install the osqueryd service$/m);
    const both = osq(["--install", "--uninstall"], { bin: OSQUERYD, env });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("osqueryd service install and uninstall can not be requested together");
  });
});

describe("flags osq applies", () => {
  test("--regex_max_size bounds regex_match's pattern", () => {
    expect(osq(["--json", "select regex_match('abcdef', 'b.d', 0) as m"], { env }).stdout).toBe('[\n  {"m":"bcd"}\n]\n');
    const r = osq(["--regex_max_size=2", "select regex_match('abcdef', 'b.d', 0) as m"], { env });
    expect(r.stderr).toContain("Invalid regex: too big, max size is 2 bytes");
    expect(r.code).not.toBe(0);
  });

  test("--help shows normal and CLI flags, not hidden ones, aligned past osquery's longest flag name", () => {
    const help = osq(["--help"], { env }).stdout;
    const longest = Math.max(...OSQUERY_FLAGS.map((f) => f.name.length));
    // "    --" + name, room for " VALUE", two spaces.
    const col = 6 + longest + 6 + 2;
    const json = help.split("\n").find((l) => l.startsWith("    --json "))!;
    expect(json.length).toBeGreaterThan(col);
    expect(json.slice(0, col).trimEnd()).toBe("    --json");
    expect(json[col]).not.toBe(" ");
    const options = help.slice(help.indexOf("osquery configuration options"), help.indexOf("osquery shell-only CLI flags"));
    expect(options).toContain("    --nullvalue VALUE ");
    expect(options).toContain("    --aws_region VALUE ");
    for (const hidden of OSQUERY_FLAGS.filter((f) => f.kind === "hidden")) expect(help).not.toContain(`    --${hidden.name} `);
    for (const alias of Object.keys(OSQUERY_FLAG_ALIASES)) expect(help).not.toContain(`    --${alias} `);
  });
});
