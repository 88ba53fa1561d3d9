// Per-query limits in the compiled shell: `.timeout SECONDS` (read from a
// pipe, and typed at the prompt on a pseudo-terminal) stops an endless query
// with an error line and the next query answers; --query_timeout and
// --query_max_rows stop a one-shot query with exit code 1.
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI, osq } from "../helpers.ts";

const ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";

function timed(args: string[], stdin?: string) {
  const t0 = performance.now();
  const r = osq(args, stdin === undefined ? {} : { stdin });
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

test(".timeout 1 in a piped script stops the endless query; the next statement answers; the script exits 1", () => {
  const r = timed([], `.timeout 1\n${ENDLESS};\nselect 42 as answer;\n`);
  expect(r.stderr).toMatch(/^Error: near line 2: query stopped after 1(\.\d)? s, 0 rows \(timeout 1 s\)\n$/);
  expect(r.stdout).toContain("| 42     |");
  expect(r.code).toBe(1);
  expect(r.seconds).toBeLessThan(10);
});

test("--query_timeout stops a one-shot query: one error line, exit code 1", () => {
  const r = timed(["--query_timeout=1", ENDLESS]);
  expect(r.stderr).toMatch(/^Error: query stopped after 1(\.\d)? s, 0 rows \(timeout 1 s\)\n$/);
  expect(r.stdout).toBe("");
  expect(r.code).toBe(1);
  expect(r.seconds).toBeLessThan(10);
});

test("--query_max_rows stops a query at the first row too many; a query within it is printed", () => {
  const over = timed(["--query_max_rows=2", "--list", "select x from (select 1 as x union all select 2 union all select 3)"]);
  expect(over.stderr).toMatch(/^Error: query stopped after [0-9.]+ s, 3 rows \(max_rows 2\)\n$/);
  expect(over.code).toBe(1);
  const within = timed(["--query_max_rows=3", "--list", "--header=false", "select x from (select 1 as x union all select 2 union all select 3)"]);
  expect(within.stdout).toBe("1\n2\n3\n");
  expect(within.code).toBe(0);
});

test(".timeout takes seconds; anything else is a one-line error; .help lists it", () => {
  const bad = osq([".timeout soon"]);
  expect(bad.stderr).toBe('Error: timeout should be a number of seconds (0: no limit), not "soon"\n');
  expect(bad.code).toBe(1);
  const r = osq([], { stdin: ".timeout 0.5\n.timeout 0\nselect 7 as seven;\n.help\n" });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("| 7     |");
  expect(r.stderr).toContain(".timeout SECONDS Stop a query that runs longer than SECONDS (0: no limit)");
});

test(".timeout 1 typed at the prompt: the endless query stops, the prompt returns and the next query answers", async () => {
  if (Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode !== 0) {
    throw new Error("util-linux `script` (Debian package bsdutils) is missing: it provides the pseudo-terminal for this test");
  }
  const home = mkdtempSync(join(tmpdir(), "osq-home-"));
  const proc = Bun.spawn(["script", "-q", "-c", OSQUERYI, "/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    env: { ...process.env, HOME: home, TERM: "xterm" },
  });
  const type = async (keys: string, waitMs: number) => {
    proc.stdin.write(keys);
    proc.stdin.flush();
    await Bun.sleep(waitMs);
  };
  await Bun.sleep(700);
  await type(".timeout 1\r", 250);
  await type(`${ENDLESS};\r`, 2500);
  await type("select 42 as answer;\r", 500);
  await type(".exit\r", 300);
  proc.stdin.end();
  const screen = (await new Response(proc.stdout).text()).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replaceAll("\r", "");
  await proc.exited;
  expect(screen).toMatch(/c\) SELECT count\(\*\) FROM c;\nError: query stopped after 1(\.\d)? s, 0 rows \(timeout 1 s\)\nosquery> select 42 as answer;\n/);
  expect(screen).toContain("| 42     |");
}, 30_000);
