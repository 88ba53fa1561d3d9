// The binary's last resort for an error nothing handled: one glog-style status
// line, no stack trace; the shell then exits 1, the daemon keeps running.
// Each case runs in its own Bun process, as the binary would.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-last-resort-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(body: string): { code: number; stdout: string; stderr: string } {
  const script = join(dir, `case-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(script, `import { installLastResort, keepRunning } from ${JSON.stringify(join(ROOT, "src/logger/last-resort.ts"))};\ninstallLastResort();\n${body}\n`);
  const r = Bun.spawnSync([process.execPath, script], { cwd: dir });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const GLOG_ERROR = /^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ main\.ts:0\] /;

test("an unhandled rejection is one status line and exit 1", () => {
  const r = run(`void Promise.reject(new Error("lost\\nin two lines"));\nsetTimeout(() => console.log("still here"), 100);`);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(GLOG_ERROR);
  expect(lines[0]).toEndWith("Unhandled promise rejection: lost in two lines");
});

test("an exception thrown from a timer is one status line and exit 1", () => {
  const r = run(`setTimeout(() => { throw new TypeError("bad timer"); }, 1);`);
  expect(r.code).toBe(1);
  const lines = r.stderr.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(GLOG_ERROR);
  expect(lines[0]).toEndWith("Uncaught exception: bad timer");
});

test("after keepRunning (the daemon) errors go to the reporter and the process goes on", () => {
  const r = run(
    `keepRunning((m) => console.log("reported: " + m));\n` +
      `void Promise.reject(new Error("first"));\n` +
      `setTimeout(() => { throw new Error("second"); }, 1);\n` +
      `setTimeout(() => console.log("still running"), 100);`,
  );
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("reported: Unhandled promise rejection: first\nreported: Uncaught exception: second\nstill running\n");
  expect(r.stderr).toBe("");
});
