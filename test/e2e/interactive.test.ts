// The interactive prompt on a real pseudo-terminal (util-linux `script`):
// prompts, continuation, Ctrl-C dropping the line, Ctrl-D exiting, history,
// and each entered line ended once on the screen. `script` is util-linux's
// (Debian's bsdutils, installed by .ci/run).
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../helpers.ts";

function requireScript(): void {
  if (Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode !== 0) {
    throw new Error("util-linux `script` (Debian package bsdutils) is missing: it provides the pseudo-terminal for this test");
  }
}

/** Types each key into osqueryi on a pseudo-terminal and returns everything the terminal received. */
async function typeInto(home: string, keys: readonly string[]): Promise<string> {
  requireScript();
  const proc = Bun.spawn(["script", "-q", "-c", OSQUERYI, "/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    env: { ...process.env, HOME: home, TERM: "xterm" },
  });
  await Bun.sleep(700);
  for (const k of keys) {
    proc.stdin.write(k);
    proc.stdin.flush();
    await Bun.sleep(250);
  }
  await Bun.sleep(300);
  proc.stdin.end();
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return out;
}

test("each entered line ends once: an error follows its statement with no empty line between", async () => {
  const home = mkdtempSync(join(tmpdir(), "osq-home-"));
  const raw = await typeInto(home, ["select 1 as a;\r", "select nope;\r", ".exit\r"]);
  expect(raw).not.toContain("\r\r\n");
  const screen = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  expect(screen).toContain("osquery> select 1 as a;\r\n+---+\r\n| a |\r\n");
  expect(screen).toContain("osquery> select nope;\r\nError: no such column: nope\r\n");
});

test("prompt, continuation, Ctrl-C, Ctrl-D and history", async () => {
  const home = mkdtempSync(join(tmpdir(), "osq-home-"));
  const keys = ["select 1 as a,\r", "2 as b;\r", "select 9 as zz", "\x03", ".mode line\r", "select 3 as c;\r", "\x04"];
  const out = (await typeInto(home, keys)).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replaceAll("\r", "");
  expect(out).toContain("Using a virtual database. Need help, type '.help'");
  expect(out).toContain("osquery> select 1 as a,\n    ...> 2 as b;\n+---+---+\n| a | b |\n");
  expect(out).toContain("    c = 3\n");
  expect(out).not.toContain("| zz"); // typed, then dropped by Ctrl-C: never run
  expect(readFileSync(join(home, ".osquery/.history"), "utf8")).toBe("select 1 as a,\n2 as b;\n.mode line\nselect 3 as c;\n");
});
