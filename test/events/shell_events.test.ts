// osqueryi with --disable_events=false runs the publishers while its prompt is
// open (on a real pseudo-terminal, util-linux `script`), storing rows in its
// in-memory database; by default (events off) the same table stays empty.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../helpers.ts";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-shell-events-"));
  mkdirSync(join(dir, "home"));
  mkdirSync(join(dir, "tree"));
  writeFileSync(join(dir, "osquery.conf"), JSON.stringify({ file_paths: { tree: [`${join(dir, "tree")}/%%`] } }));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function shell(args: string[], whileOpen: () => void): Promise<string> {
  if (Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode !== 0) {
    throw new Error("util-linux `script` (Debian package bsdutils) is missing: it provides the pseudo-terminal for this test");
  }
  const cmd = [OSQUERYI, `--config_path=${join(dir, "osquery.conf")}`, ...args].join(" ");
  const proc = Bun.spawn(["script", "-q", "-c", cmd, "/dev/null"], { stdin: "pipe", stdout: "pipe", env: { ...process.env, HOME: join(dir, "home"), TERM: "xterm" } });
  await Bun.sleep(1200);
  whileOpen();
  await Bun.sleep(500);
  for (const line of ["select action || ':' || target_path as seen from file_events;\r", ".exit\r"]) {
    proc.stdin.write(line);
    proc.stdin.flush();
    await Bun.sleep(400);
  }
  proc.stdin.end();
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return out;
}

test("osqueryi --disable_events=false stores file_events while the prompt is open", async () => {
  const file = join(dir, "tree", "typed-while-open");
  const out = await shell(["--disable_events=false", "--enable_file_events"], () => writeFileSync(file, "x"));
  expect(out).toContain(`CREATED:${file}`);
  expect(out).toContain(`UPDATED:${file}`);
}, 30_000);

test("osqueryi keeps events off by default", async () => {
  const file = join(dir, "tree", "unseen");
  const out = await shell(["--enable_file_events"], () => writeFileSync(file, "x"));
  expect(out).not.toContain(file);
}, 30_000);
