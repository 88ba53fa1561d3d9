// The query path end to end through dist/osqueryi: derived tables feeding
// joins, config views, --planner, and the detail queries Fleet sends every
// Linux host. Each result is checked against a source that shares no code
// with osq (dpkg, getent, a file the test writes).
import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, osq, query } from "../helpers.ts";
import { FLEET_LINUX_QUERIES } from "./fleet-queries.ts";

function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (is it installed?): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** The paths `dpkg -L bash` lists that exist on disk (file reads them with lstat). */
function bashFiles(): string[] {
  const out = new Set<string>();
  for (const line of run(["dpkg", "-L", "bash"]).split("\n")) {
    if (!line.startsWith("/")) continue;
    try {
      lstatSync(line);
      out.add(line);
    } catch {
      // listed by dpkg but absent (e.g. excluded docs): file has no row for it either
    }
  }
  return [...out].sort();
}

function passwdUids(): string[] {
  return [...new Set(run(["getent", "passwd"]).trim().split("\n").map((l) => l.split(":")[2]!))].sort();
}

describe("derived tables feed the tables joined to them", () => {
  const expected = bashFiles();

  test.each([
    ["a subquery", "SELECT f.path FROM (SELECT path FROM deb_package_files WHERE package = 'bash') t CROSS JOIN file f ON f.path = t.path"],
    ["a CTE", "WITH t AS (SELECT path FROM deb_package_files WHERE package = 'bash') SELECT f.path FROM t CROSS JOIN file f ON f.path = t.path"],
    ["a CTE with USING", "WITH t AS (SELECT path FROM deb_package_files WHERE package = 'bash') SELECT path FROM t CROSS JOIN file USING (path)"],
    ["IN (SELECT col FROM cte)", "WITH t AS (SELECT path FROM deb_package_files WHERE package = 'bash') SELECT path FROM file WHERE path IN (SELECT path FROM t)"],
  ])("deb_package_files through %s into file matches dpkg -L bash", (_shape, sql) => {
    expect(expected.length).toBeGreaterThan(10);
    const got = [...new Set(query(sql).map((r) => r.path!))].sort();
    expect(got).toEqual(expected);
  });

  test("cached_users CROSS JOIN python_packages USING (uid) asks for every user, as Fleet relies on", () => {
    const uids = passwdUids();
    const r = osq([".plan WITH cached_users AS (SELECT uid FROM users) SELECT name FROM cached_users CROSS JOIN python_packages USING (uid)"]);
    expect(r.code).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.startsWith("python_packages"));
    expect(line).toBeDefined();
    const shown = [...line!.matchAll(/"(\d+)"/g)].map((m) => m[1]!);
    for (const uid of shown) expect(uids).toContain(uid);
    const more = /\.\.\. (\d+) more\)$/.exec(line!)?.[1] ?? "0";
    expect(shown.length + Number(more)).toBe(uids.length);
    const run = osq(["WITH cached_users AS (SELECT uid FROM users) SELECT count(*) FROM cached_users CROSS JOIN python_packages USING (uid)"]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("based on the current user");
  });
});

describe("config views", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-views-"));
  const probe = join(dir, "probe.txt");
  writeFileSync(probe, "twelve bytes");
  const config = join(dir, "osquery.conf");
  writeFileSync(
    config,
    JSON.stringify({
      views: {
        v_groups: "select gid, groupname from groups",
        v_files: "select path, size from file",
        v_bad: "select * form users",
      },
      packs: { by_view: { queries: { probe_size: { query: `select size from v_files where path = '${probe}'`, interval: 60 } } } },
    }),
  );

  test("a view over groups returns what getent says", () => {
    const name = run(["getent", "group", "0"]).split(":")[0];
    expect(query("select groupname from v_groups where gid = 0", [`--config_path=${config}`])).toEqual([{ groupname: name! }]);
  });

  test("a constraint on a view reaches the table inside (file needs its path)", () => {
    expect(query(`select size from v_files where path = '${probe}'`, [`--config_path=${config}`])).toEqual([{ size: "12" }]);
  });

  test("a broken view fails the query that names it, as in osquery", () => {
    const r = osq([`--config_path=${config}`, "select * from v_bad"]);
    expect(r.code).toBe(1);
    // osquery logs the view's own error at INFO when the config loads: not shown without --verbose.
    expect(r.stderr).toBe("Error: no such table: v_bad\n");
  });

  test("--pack runs its queries with the config's views", () => {
    const r = osq([`--config_path=${config}`, "--pack", "by_view", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ size: "12" }]);
  });

  test("a broken view's syntax error is logged once, when the config loads (--verbose)", () => {
    const r = osq([`--config_path=${config}`, "--verbose"], { stdin: "select * from v_bad;\nselect * from v_bad;\nselect 1;\n" });
    const lines = r.stderr.split("\n");
    const logged = lines.filter((l) => l.includes("Error creating view"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^I\d{4} [\d:.]+ +\d+ views\.cpp:\d+\] Error creating view \(v_bad\): near "form": syntax error$/);
    // Logged before the first query runs, not by it.
    expect(lines.findIndex((l) => l.includes("Error creating view"))).toBeLessThan(lines.findIndex((l) => l.includes("no such table: v_bad")));
    expect(lines.filter((l) => l.includes("no such table: v_bad"))).toHaveLength(2);
  });
});

describe("--planner", () => {
  test("prints the plan of every query to stderr, results unchanged", () => {
    const r = osq(["--planner", "--json", "select uid from users where uid = 0"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ uid: "0" }]);
    expect(r.stderr).toBe('osquery planner: users: uid = "0"\n');
    const off = osq(["--json", "select uid from users where uid = 0"]);
    expect(off.stderr).toBe("");
  });

  test("shows the values a derived table pushed, for each statement of a script", () => {
    const r = osq(["--planner"], { stdin: "select 1;\nWITH t AS (SELECT uid FROM users WHERE uid < 1) SELECT count(*) FROM t CROSS JOIN users u USING (uid);\n" });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('osquery planner: users: uid < "1"\nosquery planner: users AS u: uid = "0"\n');
  });
});

describe("an OR whose branches each constrain file's path", () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-planner-or-"));
  for (const name of ["a", "b", "c", "lib1", "lib2"]) writeFileSync(join(dir, name), name);
  const p = (name: string) => join(dir, name);

  test("IN list OR equality: every file, generated branch by branch (.plan shows both)", () => {
    const r = osq(["--planner", "--json", `select path from file where path in ('${p("a")}', '${p("b")}') or path = '${p("c")}'`]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { path: string }[]).map((x) => x.path).sort()).toEqual([p("a"), p("b"), p("c")]);
    expect(r.stderr).toBe(`osquery planner: file: path IN ("${p("a")}", "${p("b")}")\nosquery planner: file: path = "${p("c")}"\n`);
  });

  test("equality OR LIKE: the union of both, a file both match listed once", () => {
    const got = query(`select path from file where path = '${p("lib1")}' or path like '${dir}/lib%'`).map((x) => x.path!);
    expect(got.sort()).toEqual([p("lib1"), p("lib2")]);
  });

  test("a branch without path is still osquery's missing-constraint error", () => {
    const r = osq([`select path from file where path = '${p("a")}' or size > 0`]);
    expect(r.code).toBe(19);
    expect(r.stderr).toContain("Table file was queried without a required column in the WHERE clause");
  });
});

describe("the daemon", () => {
  /** Runs osqueryd on `config` until `done` holds for its stderr (10 s at most); returns the stderr and the INFO log. */
  async function daemon(config: unknown, extra: string[], done: (stderr: string) => boolean): Promise<{ stderr: string; info: string }> {
    const dir = mkdtempSync(join(tmpdir(), "osq-planner-d-"));
    writeFileSync(join(dir, "osquery.conf"), JSON.stringify(config));
    const stderr = join(dir, "stderr");
    const p = Bun.spawn(
      [OSQUERYD, `--config_path=${join(dir, "osquery.conf")}`, `--database_path=${join(dir, "db")}`, `--logger_path=${join(dir, "logs")}`, `--pidfile=${join(dir, "pid")}`, "--disable_watchdog", ...extra],
      { stdout: "ignore", stderr: Bun.file(stderr), stdin: "ignore" },
    );
    try {
      let text = "";
      for (let i = 0; i < 100 && !done(text); i++) {
        await Bun.sleep(100);
        text = existsSync(stderr) ? readFileSync(stderr, "utf8") : "";
      }
      const infoPath = join(dir, "logs", "osqueryd.INFO");
      return { stderr: text, info: existsSync(infoPath) ? readFileSync(infoPath, "utf8") : "" };
    } finally {
      p.kill();
      await p.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("--planner traces a scheduled query's plan to stderr", async () => {
    const schedule = { q1: { query: "select uid from users where uid = 0", interval: 1 } };
    const { stderr } = await daemon({ schedule }, ["--planner"], (t) => t.includes("osquery planner:"));
    expect(stderr).toContain('osquery planner: users: uid = "0"\n');
  });

  test("a broken view is logged with its syntax error when the config loads", async () => {
    const config = { views: { v_bad: "select * form users" }, schedule: { q1: { query: "select * from v_bad", interval: 1 } } };
    const { stderr, info } = await daemon(config, [], (t) => t.includes("Error executing scheduled query"));
    const line = 'Error creating view (v_bad): near "form": syntax error';
    expect(stderr).toContain(line);
    expect(info).toContain(line);
    expect(stderr).toContain("Error executing scheduled query q1: no such table: v_bad");
  });
});

describe("Fleet's Linux detail queries", () => {
  // Tables osq lacks that Fleet asks for only behind a discovery query (FLEET.md §4: "D"),
  // and the pre-5.16 python query, which the version gate turns off for osq.
  const GATED_OFF = new Set(["kubequery_info", "google_chrome_profiles", "orbit_info", "software_linux_fleetd_pacman", "software_go_binaries", "software_python_packages"]);
  const noError = (stderr: string) => expect(stderr.split("\n").filter((l) => /^(Error|E\d{4})/.test(l))).toEqual([]);
  const discover = (sql: string): number => {
    const d = osq(["--json", sql]);
    expect(d.code).toBe(0);
    noError(d.stderr);
    return (JSON.parse(d.stdout) as unknown[]).length;
  };

  test.each(FLEET_LINUX_QUERIES.filter((q) => !GATED_OFF.has(q.key)).map((q) => [q.key, q] as const))("%s runs without an error", (_key, q) => {
    if (q.discovery) expect(discover(q.discovery)).toBe(1);
    const r = osq(["--json", q.sql]);
    noError(r.stderr);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });

  test.each(FLEET_LINUX_QUERIES.filter((q) => GATED_OFF.has(q.key)).map((q) => [q.key, q] as const))("%s is gated off by its discovery query", (_key, q) => {
    expect(q.discovery).toBeDefined();
    expect(discover(q.discovery!)).toBe(0);
  });
});

describe("double-quoted strings, as osquery's SQLite reads them", () => {
  // SQLite takes a double-quoted name that matches no column as a string, and
  // osquery's packs lean on it (`path = "/etc/hosts"`); the generator must get it.
  const dir = mkdtempSync(join(tmpdir(), "osq-dqs-"));
  const a = join(dir, "a.txt");
  const b = join(dir, "b.txt");
  writeFileSync(a, "four");
  writeFileSync(b, "sixsix");

  test.each([
    ["=", `select path, size from file where path = "${a}"`, [{ path: a, size: "4" }]],
    ["= mirrored", `select path, size from file where "${b}" = path`, [{ path: b, size: "6" }]],
    ["IN", `select path, size from file where path in ("${a}", "${b}") order by path`, [{ path: a, size: "4" }, { path: b, size: "6" }]],
    ["LIKE", `select path from file where path like "${dir}/b%"`, [{ path: b }]],
    ["OR", `select path from file where path = "${a}" or path = "${b}" order by path`, [{ path: a }, { path: b }]],
  ])("%s reaches file", (_shape, sql, expected) => {
    expect(query(sql)).toEqual(expected);
  });

  test("a double-quoted name that is a column stays a column", () => {
    // path = "path" compares the column with itself: every file of the directory matches.
    expect(query(`select count(*) as n from file where path = "path" and directory = "${dir}"`)).toEqual([{ n: "2" }]);
  });

  test("a double-quoted name that may be a column of a non-osq table is not taken for a string", () => {
    // "key" is a json_each column: only the (single-quoted) directory may be pushed.
    const r = osq([`.plan select * from file, json_each('[1]') where path = "key" and directory = '${dir}'`]);
    expect(r.stdout).toBe(`file: directory = ${JSON.stringify(dir)}\n`);
  });

  test("a double-quoted name that is an alias is not taken for a string", () => {
    // SQLite reads "p" as the alias (path = 'x'); pushing the text "p" would be wrong, so none is pushed.
    const r = osq(["--json", `select 'x' as "${a}", path from file where path = "${a}"`]);
    expect(r.stdout).not.toContain("four");
    expect(r.stderr).toContain("Table file was queried without a required column in the WHERE clause");
  });
});
