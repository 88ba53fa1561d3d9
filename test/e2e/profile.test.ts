// --profile N, as osquery's profile(): the query runs N times with nothing
// printed; a failure is `Query failed (<code>): <message>`; no query is exit 2.
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI, osq } from "../helpers.ts";

test("the first line of piped stdin runs N times and nothing is printed", () => {
  // Each run of docker_containers against a socket that is not there says so at verbose level: one line per run.
  const socket = join(mkdtempSync(join(tmpdir(), "osq-profile-")), "docker.sock");
  const r = osq(["--profile=3", "--verbose", `--docker_socket=${socket}`], {
    stdin: "select count(*) from docker_containers\nselect 'second line is never read' as x\n",
  });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
  const runs = r.stderr.split("\n").filter((l) => l.includes(`Docker socket ${socket} does not exist`));
  expect(runs).toHaveLength(3);
});

test("a failing query stops with osquery's message and status code", () => {
  const r = osq(["--profile=5"], { stdin: "select nope\n" });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe("Query failed (1): no such column: nope\n");
});

test("a terminal on stdin and no query: osquery's message and exit 2", () => {
  if (Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode !== 0) {
    throw new Error("util-linux `script` (Debian package bsdutils) is missing: it provides the terminal for this test");
  }
  const r = Bun.spawnSync(["script", "-q", "-e", "-c", `${OSQUERYI} --profile=2`, "/dev/null"], { stdin: "ignore" });
  expect(r.exitCode).toBe(2);
  expect(r.stdout.toString().replaceAll("\r", "")).toBe("No query provided via stdin or args to profile...\n");
});

test("with a terminal on stdin the positional argument is the query", () => {
  const r = Bun.spawnSync(["script", "-q", "-e", "-c", `${OSQUERYI} --profile=2 'select nope2'`, "/dev/null"], { stdin: "ignore" });
  expect(r.exitCode).toBe(1);
  expect(r.stdout.toString().replaceAll("\r", "")).toBe("Query failed (1): no such column: nope2\n");
});
