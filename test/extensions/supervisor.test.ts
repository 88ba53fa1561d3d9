// The supervisor on real child processes: a shell-script "extension" records
// its argv and environment; the supervisor starts it with osquery's argument
// layout and OSQUERY_EXTENSION set to the child's own pid, starts it again
// after SIGKILL, refuses a binary that became unsafe, and stops it.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExtensionSupervisor, type LaunchSettings } from "../../src/extensions/supervisor.ts";

let dir: string;
let supervisor: ExtensionSupervisor | null = null;
let warnings: string[];
const log = { warning: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m), verbose: () => {} };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-supervisor-"));
  warnings = [];
});
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A script that appends "pid $0 args... ext=$OSQUERY_EXTENSION" to `record` each start, then sleeps. */
function fakeExtension(record: string): string {
  const path = join(dir, "fake.ext");
  writeFileSync(path, `#!/bin/sh\necho "$$ $0 $* ext=$OSQUERY_EXTENSION" >> ${record}\nexec sleep 60\n`);
  chmodSync(path, 0o755);
  return path;
}

const settings = (overrides: Partial<LaunchSettings> = {}): (() => LaunchSettings) => () => ({
  socket: join(dir, "osquery.em"),
  timeout: "3",
  interval: "2",
  verbose: false,
  allowUnsafe: false,
  ...overrides,
});

async function waitFor<T>(what: string, fn: () => T | null | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const starts = (record: string) => (existsSync(record) ? readFileSync(record, "utf8").trim().split("\n").filter(Boolean) : []);

test("starts each binary as osquery does and again after it is killed", async () => {
  const record = join(dir, "starts");
  const ext = fakeExtension(record);
  supervisor = new ExtensionSupervisor([ext], settings({ verbose: true }), log);
  supervisor.check();
  const [first] = await waitFor("the first start", () => (starts(record).length === 1 ? starts(record) : null));
  const pid = supervisor.pids().get(ext);
  // $0 is the binary's own path: osquery's execve passes it as argv[0].
  expect(first).toBe(`${pid} ${ext} --verbose --socket ${join(dir, "osquery.em")} --timeout 3 --interval 2 ext=${pid}`);

  process.kill(pid!, "SIGKILL");
  await waitFor("the kill to be seen", () => !supervisor!.pids().has(ext));
  supervisor.check();
  await waitFor("the restart", () => starts(record).length === 2);
  const second = supervisor.pids().get(ext);
  expect(second).not.toBe(pid);
  expect(starts(record)[1]).toBe(`${second} ${ext} --verbose --socket ${join(dir, "osquery.em")} --timeout 3 --interval 2 ext=${second}`);
  expect(warnings).toEqual([`Extension respawning too quickly: ${ext}`]);
});

test("a binary that became unsafe is not started again; stop() ends the running ones", async () => {
  const record = join(dir, "starts");
  const ext = fakeExtension(record);
  supervisor = new ExtensionSupervisor([ext], settings(), log);
  supervisor.check();
  await waitFor("the first start", () => starts(record).length === 1);
  const pid = supervisor.pids().get(ext)!;
  chmodSync(ext, 0o777);
  process.kill(pid, "SIGKILL");
  await waitFor("the kill to be seen", () => !supervisor!.pids().has(ext));
  supervisor.check();
  expect(warnings).toContain(`Extension binary has unsafe permissions: ${ext}`);
  expect(supervisor.pids().size).toBe(0);

  chmodSync(ext, 0o755);
  supervisor.check();
  await waitFor("the start after the fix", () => starts(record).length === 2);
  const again = supervisor.pids().get(ext)!;
  await supervisor.stop();
  expect(existsSync(`/proc/${again}/stat`) && !readFileSync(`/proc/${again}/stat`, "utf8").includes(") Z ")).toBe(false);
  supervisor.check(); // nothing starts after stop()
  expect(starts(record)).toHaveLength(2);
});

test("a limit check that breaks stops the extension with its warning; the next check starts it again", async () => {
  const record = join(dir, "starts");
  const ext = fakeExtension(record);
  let verdict: string | null = null;
  supervisor = new ExtensionSupervisor([ext], settings(), log, () => verdict);
  supervisor.check();
  await waitFor("the first start", () => starts(record).length === 1);
  const pid = supervisor.pids().get(ext)!;
  supervisor.check(); // within limits: nothing happens
  expect(supervisor.pids().get(ext)).toBe(pid);
  verdict = `osquery extension ${ext} (${pid}) stopping: Memory limits exceeded`;
  supervisor.check();
  expect(warnings).toEqual([verdict]);
  await waitFor("the stopped extension to exit", () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "));
  verdict = null;
  supervisor.check();
  await waitFor("the start after the stop", () => starts(record).length === 2);
  expect(supervisor.pids().get(ext)).not.toBe(pid);
});
