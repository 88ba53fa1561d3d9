// osqueryd runs with its own JavaScriptCore options (src/daemon/jsc.ts): the
// compiled daemon re-executes itself once, same pid, so the watcher, the
// worker and a --disable_watchdog daemon all run with them, read back here
// from the kernel's /proc/<pid>/environ; a user's own value wins, and the
// shell is left alone.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { DAEMON_JSC_OPTIONS, JSC_MARK, reexecEnvironment, withoutDaemonOptions } from "../../src/daemon/jsc.ts";
import { DaemonFixture } from "../daemon_fixture.ts";
import { OSQUERYI } from "../helpers.ts";

const [OPTION, VALUE] = Object.entries(DAEMON_JSC_OPTIONS)[0]!;

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    });
}

describe("the environment to re-execute with", () => {
  test("adds the options and the mark once; a value already there (the user's, or after the re-execution) stops it", () => {
    const env = reexecEnvironment({ PATH: "/bin", HOME: undefined });
    expect(env).toEqual({ PATH: "/bin", ...DAEMON_JSC_OPTIONS, [JSC_MARK]: "1" });
    expect(reexecEnvironment(env!)).toBeNull();
    expect(reexecEnvironment({ [OPTION]: "1" })).toBeNull();
  });

  test("children lose only the options osq added", () => {
    expect(withoutDaemonOptions({ PATH: "/bin", [OPTION]: VALUE, [JSC_MARK]: "1" })).toEqual({ PATH: "/bin" });
    expect(withoutDaemonOptions({ PATH: "/bin", [OPTION]: "1" })).toEqual({ PATH: "/bin", [OPTION]: "1" });
  });
});

describe("dist/osqueryd", () => {
  let d: DaemonFixture;
  beforeEach(() => {
    d = new DaemonFixture("osq-jsc-");
    d.writeConfig({ schedule: { one: { query: "SELECT pid FROM processes WHERE pid = 1", interval: 1 } } });
  });
  afterEach(() => d.cleanup());

  test("without a watcher: the same pid runs with the options, and still runs its schedule", async () => {
    const p = d.start(["--disable_watchdog"]);
    await d.waitFor("the first results", () => d.logLines("osqueryd.results.log").length > 0, 15000);
    expect(environ(p.pid)).toContain(`${OPTION}=${VALUE}`);
    expect(environ(p.pid)).toContain(`${JSC_MARK}=1`);
  });

  test("with the watchdog: the watcher and its worker both run with them", async () => {
    const p = d.start([]);
    await d.waitFor("the first results", () => d.logLines("osqueryd.results.log").length > 0, 15000);
    const workers = childrenOf(p.pid).filter((c) => environ(c).includes(`OSQUERY_WORKER=${p.pid}`));
    expect(workers).toHaveLength(1);
    for (const pid of [p.pid, workers[0]!]) expect(environ(pid)).toContain(`${OPTION}=${VALUE}`);
  });

  test("a user's own value is kept, and no mark is added", async () => {
    const p = d.start(["--disable_watchdog"], { env: { [OPTION]: "1" } });
    await d.waitFor("the first results", () => d.logLines("osqueryd.results.log").length > 0, 15000);
    expect(environ(p.pid)).toContain(`${OPTION}=1`);
    expect(environ(p.pid).some((e) => e.startsWith(`${JSC_MARK}=`))).toBe(false);
  });

  test("the shell does not re-execute: its environment is the caller's", () => {
    // A probe the shell must see in its own environment, so an empty answer cannot pass for the mark's absence.
    const sql = `SELECT key, value FROM process_envs WHERE pid = (SELECT pid FROM osquery_info) AND key IN ('OSQ_JSC_PROBE', '${JSC_MARK}', '${OPTION}')`;
    const r = Bun.spawnSync([OSQUERYI, "--list", sql], { env: { ...process.env, OSQ_JSC_PROBE: "yes", [OPTION]: undefined } });
    expect(r.stderr.toString()).toBe("");
    expect(r.stdout.toString().trim()).toBe("key|value\nOSQ_JSC_PROBE|yes");
  });
});
