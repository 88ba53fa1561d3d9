// The shell's --connect / .connect / .disconnect: statements go to another
// process's extension manager (here an osqueryd this test starts) through
// Thrift query and getQueryColumns. osquery_info's pid tells which process
// answered: the daemon's is the pid Bun.spawn gave it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { osq } from "../helpers.ts";
import { startDaemon, type RunningDaemon } from "./daemon.ts";

let d: RunningDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.initialized();
});
afterAll(async () => {
  expect(await d.stop()).toBe(0);
});

test("--connect sends a query to the daemon, in getQueryColumns' column order", () => {
  const r = osq(["--connect", d.socket, "--list", "select version, pid from osquery_info"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`Connected to extension socket ${d.socket} for debugging\nversion|pid\n5.20.0|${d.proc.pid}\n`);
});

test(".connect, .socket and .disconnect: the daemon answers while connected, the shell itself after", () => {
  const script = [`.connect ${d.socket}`, "select pid from osquery_info;", ".socket", ".disconnect", "select pid from osquery_info;", ""].join("\n");
  const r = osq(["--list", "--header=false", `--extensions_socket=${join(d.dir, "mine.em")}`], { stdin: script });
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe(`Connected to extension socket ${d.socket} for debugging`);
  expect(lines[1]).toBe(String(d.proc.pid));
  expect(lines[2]).toBe(`${join(d.dir, "mine.em")} (connected to ${d.socket})`);
  expect(lines[3]).toBe(`Disconnected from extension socket ${d.socket}`);
  expect(Number(lines[4])).toBeGreaterThan(0);
  expect(lines[4]).not.toBe(String(d.proc.pid));
});

test("connecting twice, or disconnecting when not connected, is osquery's one-line error", () => {
  const twice = osq([], { stdin: `.connect ${d.socket}\n.connect ${d.socket}\n` });
  expect(twice.stderr).toBe("Error: Please disconnect from the current socket\n");
  const never = osq([], { stdin: ".disconnect\n" });
  expect(never.stderr).toBe("Error: Not connected to a socket\n");
});

test("the manager's error and a socket nobody serves are query errors, exit 1", () => {
  const bad = osq(["--connect", d.socket, "select * from no_such_table"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe("Error: no such table: no_such_table\n");
  const gone = osq(["--connect", join(d.dir, "nobody.em"), "select 1"]);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toStartWith("Error: Extension call failed: ");
  expect(gone.stderr.trim().split("\n")).toHaveLength(1);
});
