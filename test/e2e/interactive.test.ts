// The interactive prompt on a real pseudo-terminal (util-linux `script`):
// prompts, continuation, Ctrl-C dropping the line, Ctrl-D exiting, history.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../helpers.ts";

const hasScript = Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode === 0;

test.skipIf(!hasScript)("prompt, continuation, Ctrl-C, Ctrl-D and history", async () => {
  const home = mkdtempSync(join(tmpdir(), "osq-home-"));
  const proc = Bun.spawn(["script", "-q", "-c", OSQUERYI, "/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    env: { ...process.env, HOME: home, TERM: "xterm" },
  });
  const keys = ["select 1 as a,\r", "2 as b;\r", "select 9 as zz", "\x03", ".mode line\r", "select 3 as c;\r", "\x04"];
  await Bun.sleep(700);
  for (const k of keys) {
    proc.stdin.write(k);
    proc.stdin.flush();
    await Bun.sleep(250);
  }
  await Bun.sleep(300);
  proc.stdin.end();
  const out = (await new Response(proc.stdout).text()).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replaceAll("\r", "");
  await proc.exited;
  expect(out).toContain("Using a virtual database. Need help, type '.help'");
  expect(out).toContain("osquery> select 1 as a,\n    ...> 2 as b;\n+---+---+\n| a | b |\n");
  expect(out).toContain("    c = 3\n");
  expect(out).not.toContain("| zz"); // typed, then dropped by Ctrl-C: never run
  expect(readFileSync(join(home, ".osquery/.history"), "utf8")).toBe("select 1 as a,\n2 as b;\n.mode line\nselect 3 as c;\n");
});
