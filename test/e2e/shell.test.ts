// End to end on the compiled dist/osq: roles, flags, modes, meta-commands,
// errors and exit codes, as an osquery user would meet them.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQ, osq, query } from "../helpers.ts";

describe("roles and flags", () => {
  test("--version names the invoked binary", () => {
    const r = osq(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^osqueryi version \d+\.\d+\.\d+\n$/);
  });

  test("--help has osquery's sections; the daemon's has no shell section", () => {
    const shell = osq(["--help"]).stdout;
    expect(shell).toContain("Usage: osqueryi [OPTION]... [SQL STATEMENT]");
    expect(shell).toContain("osquery command line flags:");
    expect(shell).toContain("osquery configuration options (set by config or CLI flags):");
    expect(shell).toContain("osquery shell-only CLI flags:");
    expect(shell).toMatch(/\n    --json {2,}\S/);
    expect(shell).toMatch(/\n    --config_path VALUE {2,}\S/);
    expect(shell).not.toContain("--rocksdb_write_buffer"); // hidden
    const daemon = osq(["-D", "--help"]).stdout;
    expect(daemon).toContain("Usage: osqueryd [OPTION]... ");
    expect(daemon).not.toContain("shell-only");
  });

  test("role from the invoked name and subcommands", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-role-"));
    symlinkSync(OSQ, join(dir, "osqueryd"));
    expect(osq(["--version"], { bin: join(dir, "osqueryd") }).stdout).toStartWith("osqueryd version");
    expect(osq(["shell", "--json", "select 7 as x"], { bin: OSQ }).stdout).toBe('[\n  {"x":"7"}\n]\n');
    expect(osq(["-D", "-S", "--json", "select 8 as x"]).stdout).toBe('[\n  {"x":"8"}\n]\n');
  });

  test("an unknown flag or a bad value is one line and exit 1", () => {
    const r = osq(["--bogus_flag", "select 1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: unknown command line flag 'bogus_flag'\n");
    const v = osq(["--logger_min_status=abc", "select 1"]);
    expect(v.code).toBe(1);
    expect(v.stderr).toBe("ERROR: illegal value 'abc' specified for int32 flag 'logger_min_status'\n");
  });

  test("gflags forms: --x=v, --x v, --nox; a bool never takes the next argument", () => {
    expect(osq(["--separator", ",", "--list", "select 1 as a, 2 as b"]).stdout).toBe("a,b\n1,2\n");
    expect(osq(["--list", "--noheader", "select 1 as a"]).stdout).toBe("1\n");
    // `--header false`: false is the positional SQL, which SQLite rejects.
    const r = osq(["--list", "--header", "false"]);
    expect(r.stderr).toBe('Error: near "false": syntax error\n');
    expect(r.code).toBe(1);
  });

  test("--flagfile is expanded where it appears; later arguments win", () => {
    const dir = mkdtempSync(join(tmpdir(), "osq-flags-"));
    const file = join(dir, "f.flags");
    writeFileSync(file, "# comment\n--list\n--separator=;\n");
    expect(osq([`--flagfile=${file}`, "select 1 as a, 2 as b"]).stdout).toBe("a;b\n1;2\n");
    expect(osq([`--flagfile=${file}`, "--separator=+", "select 1 as a, 2 as b"]).stdout).toBe("a+b\n1+2\n");
  });

  test("osquery_flags shows the registry with values", () => {
    const rows = query("select name, type, default_value, value, shell_only from osquery_flags where name in ('logger_tls_period', 'json', 'verbose')");
    expect(rows).toEqual([
      { default_value: "false", name: "json", shell_only: "1", type: "bool", value: "true" },
      { default_value: "4", name: "logger_tls_period", shell_only: "0", type: "uint64", value: "4" },
      { default_value: "false", name: "verbose", shell_only: "0", type: "bool", value: "false" },
    ]);
  });
});

describe("errors and exit codes", () => {
  test("bad SQL in argv: Error: line and SQLite's code", () => {
    const r = osq(["selec 1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: near "selec": syntax error\n');
  });

  test("unknown table", () => {
    const r = osq(["select * from no_such_table_here"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: no such table: no_such_table_here\n");
  });

  test("missing required constraint: osquery's warning and constraint failed", () => {
    const r = osq(["select * from hash"]);
    expect(r.code).toBe(19);
    expect(r.stderr).toMatch(/^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ virtual_table\.cpp:\d+\] Table hash was queried without a required column in the WHERE clause\n/);
    expect(r.stderr).toContain("Please see the table documentation: https://osquery.io/schema/#hash\n");
    expect(r.stderr).toEndWith("Error: constraint failed\n");
    expect(r.stdout).toBe("");
  });

  test("writes are refused and create no file", () => {
    const target = join(mkdtempSync(join(tmpdir(), "osq-attach-")), "x.db");
    const r = osq([`attach database '${target}' as x`]);
    expect(r.stderr).toBe("Error: not authorized\n");
    expect(r.code).toBe(23);
    expect(existsSync(target)).toBe(false);
  });

  test("piped stdin: several statements, errors by line, exit 1, processing goes on", () => {
    const r = osq(["--list"], { stdin: "select 1 as a;\nselect\n  2 as b;\nselec 3;\nselect 4 as c" });
    expect(r.stdout).toBe("a\n1\nb\n2\nc\n4\n");
    expect(r.stderr).toBe('Error: near line 4: near "selec": syntax error\n');
    expect(r.code).toBe(1);
  });

  test(".bail ON stops at the first error", () => {
    const r = osq(["--list"], { stdin: ".bail on\nselec 1;\nselect 2 as x;\n" });
    expect(r.stdout).toBe("");
    expect(r.code).toBe(1);
  });
});

describe("modes and meta-commands", () => {
  test("--csv keeps the | separator (osquery's quirk); .mode csv uses commas", () => {
    expect(osq(["--csv", "select 1 as a, 'x y' as b"]).stdout).toBe('a|b\n1|"x y"\n');
    expect(osq([], { stdin: ".mode csv\nselect 1 as a, 2 as b;\n" }).stdout).toBe("a,b\n1,2\n");
  });

  test("--json_pretty indents by two spaces, as osquery's rapidjson writer does", () => {
    const r = osq(["--json_pretty", "select 0"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[\n  {\n    "0": "0"\n  }\n]\n');
  });

  test(".mode rejects json with osquery's message", () => {
    const r = osq([], { stdin: ".mode json\n" });
    expect(r.stderr).toBe("Error: mode should be one of: column csv line list pretty\n");
  });

  test("unknown meta-command", () => {
    const r = osq([".frobnicate"]);
    expect(r.stderr).toBe('Error: unknown command or invalid arguments:  "frobnicate". Enter ".help" for help\n');
  });

  test(".help goes to stderr, prefixes match", () => {
    const r = osq([".h"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(".mode MODE");
    expect(r.stderr).toContain(".timer ON|OFF");
  });

  test(".tables and .schema", () => {
    const tables = osq([".tables"]).stdout.split("\n").filter(Boolean);
    expect(tables).toContain("  => processes");
    expect(tables).toEqual([...tables].sort());
    const schema = osq([".schema osquery_info"]).stdout;
    expect(schema).toBe(
      "CREATE TABLE osquery_info(`pid` INTEGER, `uuid` TEXT COLLATE NOCASE, `instance_id` TEXT, `version` TEXT COLLATE VERSION, `config_hash` TEXT COLLATE NOCASE, `config_valid` INTEGER, `extensions` TEXT, `build_platform` TEXT, `build_distro` TEXT, `start_time` INTEGER, `watcher` INTEGER, `platform_mask` INTEGER);\n",
    );
    expect(osq([".schema processes"]).stdout).toContain("`elevated_token` INTEGER HIDDEN");
    expect(osq([".schema processes"]).stdout).toContain("PRIMARY KEY (`pid`)) WITHOUT ROWID;");
  });

  test(".exit with a code, .print, .nullvalue, .separator, .headers", () => {
    expect(osq([], { stdin: ".print hello 'big world'\n.exit 3\nselect 1;\n" })).toMatchObject({ code: 3, stdout: "hello big world\n" });
    expect(osq([], { stdin: ".mode list\n.nullvalue NIL\n.separator ::\n.headers off\nselect null, 1;\n" }).stdout).toBe("NIL::1\n");
  });

  test(".types and .version and .features", () => {
    expect(osq([".types select pid, name, 1 as one from processes"]).stdout).toContain("| pid  | BIGINT  |");
    expect(osq([".version"]).stdout).toMatch(/^osquery \d+\.\d+\.\d+\nusing SQLite 3\.\d+\.\d+\n$/);
    expect(osq([".features"]).stdout).toContain("disable_events: true");
  });

  test(".plan shows the constraints each generator received", () => {
    const child = Bun.spawn(["sleep", "30"]);
    try {
      const r = osq([`.plan select * from processes p join hash h on h.path = p.path where p.pid = ${child.pid}`]);
      const exe = Bun.spawnSync(["readlink", `/proc/${child.pid}/exe`]).stdout.toString().trim();
      expect(r.stdout).toBe(`processes AS p: pid = "${child.pid}"\nhash AS h: path = "${exe}"\n`);
    } finally {
      child.kill();
    }
  });

  test("-L lists tables, -A selects all", () => {
    expect(osq(["-L"]).stdout).toContain("  => osquery_info\n");
    expect(query("select 1 as one", ["-A", "osquery_info"]).length).toBeGreaterThan(0);
  });

  test("--output writes to a file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "osq-out-")), "o.txt");
    osq(["--list", `--output=${file}`, "select 5 as five"]);
    expect(readFileSync(file, "utf8")).toBe("five\n5\n");
  });
});

describe("real data", () => {
  test("processes where pid = 1 matches /proc/1", () => {
    const rows = query("select pid, name from processes where pid = 1");
    expect(rows).toEqual([{ name: readFileSync("/proc/1/comm", "utf8").trim(), pid: "1" }]);
  });

  test("a join of processes and hash returns the sha256 of a running binary", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    try {
      const rows = query(`select p.path, h.sha256 from processes p join hash h on h.path = p.path where p.pid = ${child.pid}`);
      expect(rows.length).toBe(1);
      const path = rows[0]!.path!;
      const expected = Bun.spawnSync(["sha256sum", path]).stdout.toString().split(" ")[0];
      expect(rows[0]!.sha256).toBe(expected!);
    } finally {
      child.kill();
    }
  });

  test("process count agrees with /proc", () => {
    const count = Number(query("select count(*) as n from processes")[0]!.n);
    const procs = Bun.spawnSync(["sh", "-c", "ls -d /proc/[0-9]* | wc -l"]).stdout.toString().trim();
    expect(Math.abs(count - Number(procs))).toBeLessThanOrEqual(5);
  });
});

describe("--pack", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-pack-"));
  const conf = join(dir, "osquery.conf");
  writeFileSync(join(dir, "extra.json"), JSON.stringify({ queries: { q: { query: "select 3 as q", interval: 60 } } }));
  writeFileSync(
    conf,
    `{\n  // osquery allows whole-line comments\n  "packs": {\n    "inline": {"queries": {"a": {"query": "select 'x' as a", "interval": 60}, "b": {"query": "select 2 as b", "interval": 60}}},\n    "byfile": "${join(dir, "extra.json")}"\n  }\n}\n`,
  );

  test("runs every query of an inline pack and of a pack file", () => {
    expect(osq([`--config_path=${conf}`, "--pack", "inline", "--list"]).stdout).toBe("a\nx\nb\n2\n");
    expect(query("", [`--config_path=${conf}`, "--pack=byfile"])).toEqual([{ q: "3" }]);
  });

  test("an explicit --config_path brings the config's views and options into the shell", () => {
    const viewsConf = join(dir, "views.conf");
    writeFileSync(viewsConf, JSON.stringify({ options: { nullvalue: "N/A" }, views: { own_proc: "select pid, name from processes where pid = 1" } }));
    expect(query("select pid from own_proc", [`--config_path=${viewsConf}`])).toEqual([{ pid: "1" }]);
    expect(osq([`--config_path=${viewsConf}`, "--list", "select null as n"]).stdout).toBe("n\nN/A\n");
    expect(osq([`--config_path=${viewsConf}`, "select null as n"]).stdout).toContain("| N/A |");
  });

  test("an unknown pack or config is one error line and exit 1", () => {
    const r = osq([`--config_path=${conf}`, "--pack", "nope"]);
    expect(r).toMatchObject({ code: 1, stderr: `Error: no pack named nope in ${conf}\n` });
    const m = osq([`--config_path=${join(dir, "missing.conf")}`, "--pack", "x"]);
    expect(m.code).toBe(1);
    expect(m.stderr).toStartWith("Error reading config:");
  });
});

describe("per-user tables", () => {
  test("without a uid constraint osquery's warning is shown; joined with users it is not", () => {
    const alone = osq(["select count(*) from shell_history"]);
    expect(alone.code).toBe(0);
    expect(alone.stderr).toContain("The shell_history table returns data based on the current user by default, consider JOINing against the users table");
    const joined = osq(["select count(*) from users u join shell_history h using (uid)"]);
    expect(joined.stderr).toBe("");
  });
});

describe("verbose", () => {
  test("a table that cannot reach its source says why only with --verbose", () => {
    const args = ["--docker_socket=/nonexistent/docker.sock", "select count(*) as n from docker_containers"];
    expect(osq(args).stderr).toBe("");
    // --verbose also shows the shell's load of the (absent) default config, as osquery's shell does,
    // and other verbose lines (osquery's "Could not autoload extensions: ..." among them).
    expect(osq(["--verbose", ...args]).stderr).toMatch(/^I\d{4} [\d:.]+ +\d+ docker\.ts:0\] Docker socket \/nonexistent\/docker\.sock does not exist: no rows$/m);
  });
});
