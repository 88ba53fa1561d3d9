// The extension manager in osqueryi and the --disable_extensions switch: the
// interactive shell serves ~/.osquery/shell.em and hosts a Python extension's
// table; a shell that runs one query starts no manager unless asked; with
// --disable_extensions osqueryd serves no socket.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI, query } from "../helpers.ts";
import { tool } from "../tools.ts";
import { startDaemon } from "./daemon.ts";
import { generatePython, spawnPython } from "./python_thrift.ts";

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a one-query shell starts no manager; --disable_extensions=false makes it serve the socket while it runs", () => {
  const dir = tempDir("osq-shell-em-");
  const socket = join(dir, "shell.em");
  const probe = `select count(*) as n from file where path = '${socket}' and type = 'socket'`;
  expect(query(probe, [`--extensions_socket=${socket}`])).toEqual([{ n: "0" }]);
  expect(query(probe, [`--extensions_socket=${socket}`, "--disable_extensions=false"])).toEqual([{ n: "1" }]);
  // Closed on exit: nothing is left behind.
  expect(existsSync(socket)).toBe(false);
});

test("osqueryd with --disable_extensions serves no socket", async () => {
  const d = await startDaemon(["--disable_extensions"], { waitForSocket: false });
  try {
    await d.initialized();
    expect(existsSync(d.socket)).toBe(false);
  } finally {
    expect(await d.stop()).toBe(0);
  }
});

test("the interactive shell serves ~/.osquery/shell.em and answers from a Python extension's table", async () => {
  const script = tool("script", "bsdutils");
  const home = tempDir("osq-home-");
  const gen = generatePython();
  dirs.push(gen);
  const shell = Bun.spawn([script, "-q", "-c", OSQUERYI, "/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    env: { ...process.env, HOME: home, TERM: "xterm" },
  });
  const socket = join(home, ".osquery/shell.em");
  let ext: ReturnType<typeof spawnPython> | null = null;
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (Date.now() > deadline) throw new Error(`osqueryi never served ${socket}`);
      await Bun.sleep(20);
    }
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const record = join(home, "calls.jsonl");
    ext = spawnPython(gen, readFileSync(join(import.meta.dir, "fixtures/py_extension.py"), "utf8"), [socket, record]);
    const reader = ext.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^registered \d+/);
    await Bun.sleep(300);
    shell.stdin.write("select name from pytable where name = 'python';\r");
    shell.stdin.flush();
    await Bun.sleep(1500);
    shell.stdin.write(".exit\r");
    shell.stdin.flush();
    shell.stdin.end();
    const screen = (await new Response(shell.stdout).text()).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    expect(screen).toContain("| python |");
    expect(await shell.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  } finally {
    ext?.kill("SIGKILL");
    shell.kill();
  }
}, 60_000);

test("osqueryd whose socket directory is missing says so as osquery does and runs on without extensions", async () => {
  const missing = join(tempDir("osq-nodir-"), "absent", "osquery.em");
  const e = await startDaemon([`--extensions_socket=${missing}`], { waitForSocket: false });
  try {
    await e.initialized();
    expect(e.stderr()).toMatch(new RegExp(`^E\\d{4} .*\\] An error occurred during extension manager startup: Extension socket directory missing: ${missing}$`, "m"));
    expect(e.stderr()).toContain("osquery initialized");
  } finally {
    expect(await e.stop()).toBe(0);
  }
});

test("the manager's socket appears already listening and already 0600", async () => {
  const d = await startDaemon([], { waitForSocket: false });
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(d.socket)) {
      if (Date.now() > deadline) throw new Error(`osqueryd never served ${d.socket}: ${d.stderr()}`);
      await Bun.sleep(1);
    }
    // The first moment it exists: no window with the umask's mode or with connections refused.
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    const { connectExtensionClient } = await import("../../src/extensions/thrift.ts");
    const c = await connectExtensionClient(d.socket, { timeoutMs: 10_000 });
    expect((await c.ping()).message).toBe("pong");
    c.close();
    await d.initialized();
  } finally {
    expect(await d.stop()).toBe(0);
  }
});
