// End to end on the compiled dist/osqueryd, everything in a temp dir
// (--database_path, --logger_path, --pidfile, --config_path): a schedule runs
// for a few seconds, the results log starts with counter 0 and then holds only
// changes, snapshots go to their own log, state survives kill -9, a second
// daemon is refused, SIGHUP reloads and a bad reload keeps the last good config.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DaemonFixture } from "../daemon_fixture.ts";

interface Line {
  name: string;
  hostIdentifier: string;
  unixTime: number;
  epoch: number;
  counter: number;
  numerics: boolean;
  action?: string;
  columns?: Record<string, string>;
  snapshot?: Record<string, string>[];
  diffResults?: { removed: Record<string, unknown>[]; added: Record<string, unknown>[] };
  decorations?: Record<string, string>;
}

let d: DaemonFixture;
let dir: string;
let watched: string;
/** Daemons that detached themselves (--daemonize): not our children, killed by pid. */
let detachedPids: number[] = [];

beforeEach(() => {
  d = new DaemonFixture("osq-e2e-daemon-");
  dir = d.dir;
  watched = join(dir, "watched");
  mkdirSync(watched);
});

afterEach(async () => {
  await d.stop();
  for (const pid of detachedPids) {
    try {
      process.kill(pid, 9);
    } catch {
      // it has exited already
    }
  }
  detachedPids = [];
  await d.cleanup();
});

const IDENTITY = ["--host_identifier=specified", "--specified_identifier=e2e"];
/** The daemon's command line (dist/osqueryd first), with the temp dir's paths and a fixed host identifier. */
const argv = (extra: string[] = []) => d.argv([...IDENTITY, ...extra]);
const writeConfig = (config: unknown) => d.writeConfig(config);
const start = (extra: string[] = []) => d.start([...IDENTITY, ...extra]);
const results = () => d.logLines<Line>("osqueryd.results.log");
const snapshots = () => d.logLines<Line>("osqueryd.snapshots.log");
const waitFor = <T>(what: string, fn: () => T | undefined | false, timeoutMs = 6000) => d.waitFor(what, fn, timeoutMs);

const filesQuery = () => `SELECT filename FROM file WHERE directory = '${watched}'`;

describe("osqueryd end to end", () => {
  test("results: counter 0 with every row added, then only changes; snapshots; kill -9 and restart continue", async () => {
    for (const f of ["a", "b"]) writeFileSync(join(watched, f), "");
    writeConfig({
      schedule: {
        files: { query: filesQuery(), interval: 1, denylist: false },
        constant: { query: "SELECT 1 AS one, 2.5 AS half, 'x' AS text", interval: 1, denylist: false },
        count: { query: `SELECT count(*) AS n FROM file WHERE directory = '${watched}'`, interval: 1, snapshot: true, denylist: false },
      },
    });
    const first = start();
    await waitFor("the first runs", () => results().filter((l) => l.name === "files").length >= 2 && results().some((l) => l.name === "constant"));
    const initial = results();
    for (const l of initial) {
      expect(l.counter).toBe(0);
      expect(l.action).toBe("added");
      expect(l.hostIdentifier).toBe("e2e");
    }
    expect(initial.filter((l) => l.name === "files").map((l) => l.columns!.filename).sort()).toEqual(["a", "b"]);
    expect(initial.find((l) => l.name === "constant")!.columns).toEqual({ half: "2.5", one: "1", text: "x" });

    writeFileSync(join(watched, "c"), "");
    await waitFor("c added", () => results().some((l) => l.columns?.filename === "c"));
    rmSync(join(watched, "a"));
    await waitFor("a removed", () => results().some((l) => l.action === "removed"));
    const before = results();
    const changes = before.slice(initial.length);
    expect(changes.map((l) => [l.name, l.counter, l.action, l.columns!.filename])).toEqual([
      ["files", 1, "added", "c"],
      ["files", 2, "removed", "a"],
    ]);
    // The constant query never changes: it logged its full state once and nothing since.
    expect(before.filter((l) => l.name === "constant")).toHaveLength(1);

    const snaps = snapshots();
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    for (const s of snaps) {
      expect(s.action).toBe("snapshot");
      expect(s.counter).toBe(0);
      expect(s.name).toBe("count");
    }
    expect(snaps.map((s) => s.snapshot![0]!.n)).toContain("3");

    // kill -9: nothing is cleaned up; the restart must pick up the stored state.
    first.kill(9);
    await first.exited;
    const killedAt = results().length;
    writeFileSync(join(watched, "d"), "");
    const second = start();
    await waitFor("d added after the restart", () => results().some((l) => l.columns?.filename === "d"));
    await Bun.sleep(1500); // a few more runs: nothing else may appear
    const after = results().slice(killedAt);
    expect(after.map((l) => [l.name, l.counter, l.action, l.columns!.filename])).toEqual([["files", 3, "added", "d"]]);

    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(existsSync(join(dir, "osqueryd.pid"))).toBe(false);
    const info = readFileSync(join(dir, "logs", "osqueryd.INFO"), "utf8");
    expect(info).toContain("osquery initialized [version=");
    expect(info).not.toContain("Storing initial results"); // the restart found its state
  }, 30000);

  test("a second daemon is refused: same pidfile exits 1, same database exits 78", async () => {
    writeConfig({ schedule: { one: { query: "SELECT 1 AS one", interval: 1 } } });
    const first = start();
    await waitFor("the first daemon's results", () => results().length > 0);
    const samePid = Bun.spawnSync(argv(), { stderr: "pipe" });
    expect(samePid.exitCode).toBe(1);
    expect(samePid.stderr.toString()).toContain("Pidfile::Error::Busy");
    const sameDb = Bun.spawnSync(argv([`--pidfile=${join(dir, "other.pid")}`]), { stderr: "pipe" });
    expect(sameDb.exitCode).toBe(78);
    expect(sameDb.stderr.toString()).toContain("in use by another osqueryd");
    first.kill("SIGINT");
    expect(await first.exited).toBe(0);
  }, 20000);

  test("--config_check and --config_dump", () => {
    writeConfig('{\n// comment\n"schedule": {"q": {"query": "select 1", "interval": 10}}\n}');
    const ok = Bun.spawnSync(argv(["--config_check"]), { stderr: "pipe" });
    expect(ok.exitCode).toBe(0);
    const dump = Bun.spawnSync(argv(["--config_dump"]), { stdout: "pipe" });
    expect(dump.exitCode).toBe(0);
    expect(dump.stdout.toString()).toBe(`{"${join(dir, "osquery.conf")}": {\n// comment\n"schedule": {"q": {"query": "select 1", "interval": 10}}\n}}\n`);
    writeConfig('{"schedule": ');
    const bad = Bun.spawnSync(argv(["--config_check"]), { stderr: "pipe" });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.toString()).toContain("Error reading config: Error parsing the config JSON");
    rmSync(join(dir, "osquery.conf"));
    const missing = Bun.spawnSync(argv(["--config_check"]), { stderr: "pipe" });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.toString()).toContain("config file does not exist");
    // None of these started a daemon.
    expect(existsSync(join(dir, "osqueryd.pid"))).toBe(false);
    expect(existsSync(join(dir, "osquery.db"))).toBe(false);
  });

  test("batch format, numerics, decorators, stdout next to filesystem, and osquery_schedule's statistics", async () => {
    writeConfig({
      options: { logger_event_type: false, logger_numerics: true },
      decorators: { load: ["SELECT 'v1' AS config_version"], always: ["SELECT 'yes' AS decorated"] },
      schedule: {
        constant: { query: "SELECT 1 AS one, 2.0 AS two, 'x' AS text", interval: 1 },
        stats: { query: "SELECT name, interval, executions, output_size FROM osquery_schedule WHERE name = 'constant'", interval: 1, snapshot: true },
      },
      packs: { extra: { queries: { packed: { query: "SELECT 'p' AS p", interval: 1 } } } },
    });
    start(["--logger_plugin=filesystem,stdout", "--logger_mode=0600"]);
    await waitFor("statistics with executions", () => snapshots().find((s) => Number(s.snapshot?.[0]?.executions ?? 0) >= 2));
    const [constant] = results().filter((l) => l.name === "constant");
    expect(constant).toMatchObject({
      diffResults: { removed: [], added: [{ one: 1, text: "x", two: 2 }] },
      counter: 0,
      numerics: true,
      decorations: { config_version: "v1", decorated: "yes" },
    });
    const raw = readFileSync(join(dir, "logs", "osqueryd.results.log"), "utf8").split("\n")[0]!;
    expect(raw).toContain('"added":[{"one":1,"text":"x","two":2.0}]');
    expect(results().some((l) => l.name === "pack_extra_packed")).toBe(true);
    // The constant query logged once: later unchanged runs write nothing, even in batch format.
    await Bun.sleep(1200);
    expect(results().filter((l) => l.name === "constant")).toHaveLength(1);
    const stats = snapshots().at(-1)!.snapshot![0]!;
    expect(stats).toMatchObject({ name: "constant", interval: 1 });
    expect(Number(stats.output_size)).toBeGreaterThan(0);
    // stdout received the same result lines.
    const stdout = readFileSync(join(dir, "stdout"), "utf8");
    expect(stdout).toContain('"name":"constant"');
    expect(statSync(join(dir, "logs", "osqueryd.results.log")).mode & 0o777).toBe(0o600);
  }, 20000);

  test("SIGHUP reloads the config; a bad one is reported and the last good one keeps running", async () => {
    writeConfig({ schedule: { old: { query: "SELECT 'old' AS v", interval: 1 } } });
    const p = start();
    await waitFor("the old query", () => results().some((l) => l.name === "old"));
    writeConfig("{ this is not json");
    p.kill("SIGHUP");
    await waitFor("the reload warning", () => readFileSync(join(dir, "stderr"), "utf8").includes("keeping the last good config"));
    writeConfig({ schedule: { new: { query: "SELECT 'new' AS v", interval: 1 } } });
    p.kill("SIGHUP");
    await waitFor("the new query", () => results().some((l) => l.name === "new"));
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 20000);

  test("--config_enable_backup: the last good config is kept in the database and used when the plugin fails at start", async () => {
    const config = { schedule: { backed: { query: "SELECT 'up' AS v", interval: 1, snapshot: true } } };
    writeConfig(config);
    const first = start(["--config_enable_backup"]);
    await waitFor("the first snapshot", () => snapshots().some((l) => l.name === "backed"));
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // Read back with lmdb-js itself, not osq's store: the sources sit under config_persistence.<source>.
    const { open } = await import("lmdb");
    const env = open({ path: join(dir, "osquery.db"), maxDbs: 16, readOnly: true });
    const saved = env.openDB({ name: "configurations", encoding: "string" }).get(`config_persistence.${join(dir, "osquery.conf")}`);
    await env.close();
    expect(saved).toBe(JSON.stringify(config));

    rmSync(join(dir, "osquery.conf"));
    const before = snapshots().length;
    const second = start(["--config_enable_backup"]);
    await waitFor("a snapshot from the backed up schedule", () => snapshots().length > before);
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const stderr = readFileSync(join(dir, "stderr"), "utf8");
    expect(stderr).toContain(`Error reading config: config file does not exist: ${join(dir, "osquery.conf")}`);
    expect(stderr).toContain("Restoring backed up config from the database");
  }, 20000);

  test("--daemonize: the parent exits 0 at once; the child has its own session, / and /dev/null, and writes the pidfile", async () => {
    writeConfig({ schedule: { detached: { query: "SELECT 'bg' AS v", interval: 1 } } });
    // A daemon that does not detach would run on: the timeout kills it and the exit code shows it.
    const parent = Bun.spawnSync(argv(["--daemonize"]), { stdin: "ignore", timeout: 5000, killSignal: "SIGKILL" });
    expect(parent.exitCode).toBe(0);
    expect(parent.stdout.toString()).toBe("");
    expect(parent.stderr.toString()).toBe("");
    const pidfile = join(dir, "osqueryd.pid");
    const pid = await waitFor("the child's pidfile", () => {
      const text = existsSync(pidfile) ? readFileSync(pidfile, "utf8").trim() : "";
      return /^\d+$/.test(text) && Number(text);
    });
    detachedPids.push(pid);
    expect(pid).not.toBe(parent.pid);
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    expect(Number(fields[3])).toBe(pid);
    for (const fd of [0, 1, 2]) expect(readlinkSync(`/proc/${pid}/fd/${fd}`)).toBe("/dev/null");
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe("/");
    await waitFor("the detached daemon's results", () => results().some((l) => l.name === "detached"));
    process.kill(pid, "SIGTERM");
    await waitFor("the detached daemon to exit", () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z"));
  }, 20000);

  test("--config_refresh re-reads the config on its own", async () => {
    writeConfig({ schedule: { before: { query: "SELECT 1 AS v", interval: 1 } } });
    start(["--config_refresh=1"]);
    await waitFor("the first query", () => results().some((l) => l.name === "before"));
    writeConfig({ schedule: { after: { query: "SELECT 2 AS v", interval: 1 } } });
    await waitFor("the refreshed schedule", () => results().some((l) => l.name === "after"), 8000);
  }, 20000);

  test("a config in the style of osquery's documentation runs unchanged (options, schedule, decorators, pack files)", async () => {
    const packs = join(dir, "packs");
    mkdirSync(packs);
    writeFileSync(
      join(packs, "osquery-monitoring.conf"),
      JSON.stringify({
        queries: {
          schedule: { query: "select name, interval, executions, output_size, wall_time, (user_time/executions) as avg_user_time, (system_time/executions) as avg_system_time, average_memory, last_executed from osquery_schedule;", interval: 7200, removed: false, blacklist: false, version: "1.6.0", description: "Report performance for every query within packs and the general schedule." },
          osquery_info: { query: "select i.*, p.resident_size, p.user_time, p.system_time, time.minutes as counter from osquery_info i, processes p, time where p.pid = i.pid;", interval: 600, removed: false, blacklist: false, snapshot: true, description: "A heartbeat counter that reports general performance (CPU, memory) and version." },
        },
      }),
    );
    writeFileSync(join(packs, "windows-hardening.conf"), JSON.stringify({ platform: "windows", queries: { w: { query: "select 1", interval: 60 } } }));
    writeConfig({
      options: {
        config_plugin: "filesystem",
        logger_plugin: "filesystem",
        logger_path: join(dir, "logs"),
        disable_logging: "false",
        log_result_events: "true",
        schedule_splay_percent: "10",
        pidfile: "/var/osquery/osquery.pidfile",
        events_expiry: "3600",
        database_path: "/var/osquery/osquery.db",
        verbose: "false",
        worker_threads: "2",
        enable_monitor: "true",
        disable_events: "false",
        host_identifier: "hostname",
        schedule_default_interval: "3600",
      },
      schedule: {
        crontab: { query: "SELECT * FROM crontab;", interval: 300 },
        system_profile: { query: "SELECT * FROM osquery_schedule;" },
        system_info: { query: "SELECT hostname, cpu_brand, physical_memory FROM system_info;", interval: 3600 },
      },
      decorators: {
        load: ["SELECT uuid AS host_uuid FROM system_info;", "SELECT user AS username FROM logged_in_users ORDER BY time DESC LIMIT 1;"],
      },
      packs: {
        "osquery-monitoring": join(packs, "osquery-monitoring.conf"),
        "windows-hardening": join(packs, "windows-hardening.conf"),
      },
    });
    // A probe beside it, in the .d directory: what the daemon made of the config.
    mkdirSync(join(dir, "osquery.conf.d"));
    writeFileSync(
      join(dir, "osquery.conf.d", "probe.conf"),
      JSON.stringify({
        schedule: {
          probe_packs: { query: "SELECT name, platform, active FROM osquery_packs", interval: 1, snapshot: true },
          probe_schedule: { query: "SELECT name, interval FROM osquery_schedule ORDER BY name", interval: 1, snapshot: true },
        },
      }),
    );
    // One process: under the watchdog a worker that ends its schedule is replaced, as osquery's is.
    const p = start(["--schedule_timeout=3", "--disable_watchdog"]);
    expect(await p.exited).toBe(0);
    const snaps = snapshots();
    const packRows = snaps.find((s) => s.name === "probe_packs")!.snapshot!;
    expect(packRows).toContainEqual({ name: "osquery-monitoring", platform: "", active: "1" });
    expect(packRows).toContainEqual({ name: "windows-hardening", platform: "windows", active: "0" });
    const scheduled = snaps.find((s) => s.name === "probe_schedule")!.snapshot!.map((r) => `${r.name}:${r.interval}`);
    expect(scheduled).toEqual([
      "crontab:300",
      "pack_osquery-monitoring_osquery_info:600",
      "pack_osquery-monitoring_schedule:7200",
      "probe_packs:1",
      "probe_schedule:1",
      "system_info:3600",
      "system_profile:3600",
    ]);
    expect(snaps[0]!.decorations).toHaveProperty("host_uuid");
    // Config options beat the command line: host_identifier "hostname" replaced --host_identifier=specified.
    expect(snaps[0]!.hostIdentifier).toBe(hostname());
    const stderr = readFileSync(join(dir, "stderr"), "utf8");
    // worker_threads is a (hidden, unused) osquery flag, so it is taken quietly; enable_monitor is no flag at all.
    expect(stderr).not.toContain("worker_threads");
    expect(stderr).toContain("Cannot set unknown or invalid flag: enable_monitor");
    expect(stderr).toContain("The CLI only flag --pidfile cannot be set from the config");
    expect(stderr).toContain("The scheduler ended after 3 seconds");
    // The CLI-only paths in the options were refused: nothing was written under /var by this run.
    expect(existsSync(join(dir, "osquery.db"))).toBe(true);
  }, 20000);
});
