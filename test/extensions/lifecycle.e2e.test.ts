// Extension lifecycle end to end on the compiled dist/osqueryd, everything in
// a temp dir: a TypeScript SDK extension compiled to `.ext` at test time is
// autoloaded (from a directory entry and a file entry; commented lines are
// not), its table answers and joins with `processes` (checked against the
// kernel's /proc), it runs with osquery's arguments and OSQUERY_EXTENSION;
// after SIGKILL it is deregistered and started again, and its table answers
// from the new process. Unsafe permissions are refused (and taken with
// --allow_unsafe, in the single-process daemon); --extensions_require of an
// extension that never comes ends the daemon with 78 after the timeout; the
// README's SDK example runs as written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.ts";
import { startDaemon as startFixtureDaemon, type RunningDaemon } from "./daemon.ts";
import { connectExtensionClient } from "../../src/extensions/thrift.ts";
import { TEST_EXTENSION, buildExtension, copyExtension } from "./ext_build.ts";

let buildDir: string;
let binary: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), "osq-extlife-build-"));
  binary = buildExtension(TEST_EXTENSION, "built", buildDir);
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

interface Daemon {
  readonly proc: RunningDaemon["proc"];
  readonly socket: string;
  stderr(): string;
  query(sql: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

/**
 * osqueryd (the extension tests' fixture: ephemeral, sockets and logs in its
 * own temp dir) with the watcher on, autoloading from `autoload`, checking
 * extensions every second; `extra` flags come last and win.
 */
async function startDaemon(autoload: string, extra: readonly string[] = [], waitForSocket = true): Promise<Daemon> {
  const d = await startFixtureDaemon(
    ["--disable_watchdog=false", `--extensions_autoload=${autoload}`, "--extensions_interval=1", "--extensions_timeout=3", ...extra],
    { waitForSocket, beforeStart: (dir) => writeFileSync(join(dir, "osquery.conf"), "{}") },
  );
  return {
    proc: d.proc,
    socket: d.socket,
    stderr: d.stderr,
    async query(sql) {
      const client = await connectExtensionClient(d.socket, { timeoutMs: 20_000 });
      try {
        const r = await client.query(sql);
        if (r.status.code !== 0) throw new Error(`query failed: ${r.status.message}`);
        return r.response;
      } finally {
        client.close();
      }
    },
    async stop() {
      await d.stop();
    },
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000, d?: Daemon): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last error: ${String(last)})${d ? `; daemon stderr:\n${d.stderr()}` : ""}`);
    await Bun.sleep(100);
  }
}

async function extensionNames(d: Daemon): Promise<string[]> {
  return (await d.query("select name from osquery_extensions where uuid != 0")).map((r) => r.name!).sort();
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The watcher's live worker (OSQUERY_WORKER=<watcher> in its environment), or null. */
function workerOf(watcher: number): number | null {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || !alive(Number(name))) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(`OSQUERY_WORKER=${watcher}`)) return Number(name);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return null;
}

describe("autoloaded by the watcher", () => {
  let dir: string;
  let daemon: Daemon;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "osq-extlife-"));
    copyExtension(binary, join(dir, "exts", "nested", "alpha.ext"));
    copyExtension(binary, join(dir, "exts", "notes.txt"));
    copyExtension(binary, join(dir, "single", "beta.ext"));
    copyExtension(binary, join(dir, "single", "gamma.ext"));
    const autoload = join(dir, "extensions.load");
    writeFileSync(autoload, [`# ${join(dir, "single", "gamma.ext")}`, `;${join(dir, "single", "gamma.ext")}`, "", join(dir, "exts"), join(dir, "single", "beta.ext"), ""].join("\n"));
    daemon = await startDaemon(autoload);
  });
  afterAll(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the extensions listed (a directory, nested; a file) register, commented and non-.ext ones do not", async () => {
    const names = await waitFor("alpha and beta to register", async () => {
      const n = await extensionNames(daemon);
      return n.length >= 2 ? n : null;
    }, 20_000, daemon);
    expect(names).toEqual(["alpha", "beta"]);
    expect(daemon.stderr()).toContain(`Will not autoload extension not ending in one of '.ext': ${join(dir, "exts", "notes.txt")}`);
  });

  test("its table answers and joins with processes; it runs with osquery's arguments and OSQUERY_EXTENSION", async () => {
    const rows = await waitFor("alpha_pids", () => daemon.query("select e.role, e.pid, p.name, p.parent from alpha_pids e join processes p using (pid) order by e.role"), 20_000, daemon);
    expect(rows.map((r) => r.role)).toEqual(["parent", "self"]);
    const self = rows.find((r) => r.role === "self")!;
    const parent = rows.find((r) => r.role === "parent")!;
    const pid = Number(self.pid);
    // The kernel's view, not osq's: the extension's comm and parent.
    expect(self.name).toBe(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    expect(Number(parent.pid)).toBe(daemon.proc.pid); // the watcher started it
    expect(Number(self.parent)).toBe(daemon.proc.pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(cmdline).toEqual([join(dir, "exts", "nested", "alpha.ext"), "--socket", daemon.socket, "--timeout", "3", "--interval", "1"]);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`OSQUERY_EXTENSION=${pid}`);
  });

  test("after SIGKILL it is deregistered, started again, and its table answers from the new process", async () => {
    const before = await daemon.query("select e.pid, x.uuid from alpha_pids e, osquery_extensions x where e.role = 'self' and x.name = 'alpha'");
    const oldPid = Number(before[0]!.pid);
    const oldUuid = before[0]!.uuid;
    process.kill(oldPid, "SIGKILL");
    const killedAt = Date.now();
    // Two intervals (1 s each) for core to notice, plus slack for a loaded machine.
    await waitFor("the old uuid to be deregistered", async () => {
      const uuids = (await daemon.query("select uuid from osquery_extensions where name = 'alpha'")).map((r) => r.uuid);
      return !uuids.includes(oldUuid);
    }, 10_000, daemon);
    expect(Date.now() - killedAt).toBeLessThan(6_000);
    const after = await waitFor("alpha_pids from a new process", async () => {
      const r = await daemon.query("select pid from alpha_pids where role = 'self'");
      return r.length === 1 && Number(r[0]!.pid) !== oldPid ? r : null;
    }, 20_000, daemon);
    const newPid = Number(after[0]!.pid);
    expect(alive(newPid)).toBe(true);
    expect(alive(oldPid)).toBe(false);
    expect(readFileSync(`/proc/${newPid}/environ`, "utf8").split("\0")).toContain(`OSQUERY_EXTENSION=${newPid}`);
    const uuids = (await daemon.query("select uuid from osquery_extensions where name = 'alpha'")).map((r) => r.uuid);
    expect(uuids).toHaveLength(1);
    expect(uuids[0]).not.toBe(oldUuid);
    // The other extension never noticed.
    expect(await extensionNames(daemon)).toEqual(["alpha", "beta"]);
  });

  test("a hung extension is deregistered (its table vanishes, queries on it fail cleanly); resumed, it finds itself unlisted, exits and is started again", async () => {
    const before = await daemon.query("select e.pid, x.uuid from beta_pids e, osquery_extensions x where e.role = 'self' and x.name = 'beta'");
    const pid = Number(before[0]!.pid);
    const uuid = before[0]!.uuid;
    process.kill(pid, "SIGSTOP");
    try {
      // The 10 s liveness ping times out, within one more interval.
      await waitFor("beta to be deregistered", async () => !(await extensionNames(daemon)).includes("beta"), 20_000, daemon);
      const client = await connectExtensionClient(daemon.socket, { timeoutMs: 20_000 });
      try {
        const r = await client.query("select * from beta_pids");
        expect(r.status.code).not.toBe(0);
        expect(r.status.message).toContain("beta_pids");
        expect(r.status.message).not.toContain("    at "); // one line, no stack
      } finally {
        client.close();
      }
      expect(alive(pid)).toBe(true); // stopped, not dead: the watcher has nothing to restart yet
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const again = await waitFor("beta to come back", async () => {
      const r = await daemon.query("select uuid from osquery_extensions where name = 'beta'");
      return r.length === 1 && r[0]!.uuid !== uuid ? r : null;
    }, 20_000, daemon);
    expect(again).toHaveLength(1);
    await waitFor("the stopped process to have exited", async () => !alive(pid), 10_000);
    expect(daemon.stderr()).toContain("Extension not registered with osquery core");
  });

  test("a new worker gets the extensions again: they re-register with its manager", async () => {
    const worker = workerOf(daemon.proc.pid);
    expect(worker).not.toBeNull();
    process.kill(worker!, "SIGKILL");
    await waitFor("a new worker", async () => {
      const w = workerOf(daemon.proc.pid);
      return w !== null && w !== worker;
    }, 20_000, daemon);
    const names = await waitFor("both extensions with the new worker", async () => {
      const n = await extensionNames(daemon);
      return n.length === 2 ? n : null;
    }, 30_000, daemon);
    expect(names).toEqual(["alpha", "beta"]);
    // Listed once registered; it answers once it has bound its socket, right after core's reply.
    const roles = await waitFor("alpha_pids from the new registration", () => daemon.query("select role from alpha_pids order by role"), 10_000, daemon);
    expect(roles).toEqual([{ role: "parent" }, { role: "self" }]);
  });

  test("SIGTERM to the watcher stops the extensions too", async () => {
    const rows = await waitFor("both tables", () => daemon.query("select pid from alpha_pids where role = 'self' union all select pid from beta_pids where role = 'self'"), 10_000, daemon);
    const pids = rows.map((r) => Number(r.pid));
    expect(pids).toHaveLength(2);
    await daemon.stop();
    expect(daemon.proc.exitCode).toBe(0);
    await waitFor("the extensions to exit", async () => pids.every((p) => !alive(p)), 10_000);
  });
});

describe("permissions and required extensions", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "osq-extlife-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a world-writable extension is refused; --allow_unsafe loads it (single-process daemon)", async () => {
    const safe = copyExtension(binary, join(dir, "perm", "safe.ext"));
    const open = copyExtension(binary, join(dir, "perm", "open.ext"), 0o777);
    const autoload = join(dir, "perm.load");
    writeFileSync(autoload, `${safe}\n${open}\n`);
    const refused = await startDaemon(autoload, ["--disable_watchdog"]);
    try {
      await waitFor("safe to register", async () => (await extensionNames(refused)).includes("safe"), 20_000, refused);
      // Another interval: the refused one had every chance to register.
      await Bun.sleep(1500);
      expect(await extensionNames(refused)).toEqual(["safe"]);
      expect(refused.stderr()).toContain(`Will not autoload extension with unsafe directory permissions: ${open}`);
      // With --disable_watchdog the daemon itself is the extension's parent.
      const parent = await refused.query("select pid from safe_pids where role = 'parent'");
      expect(Number(parent[0]!.pid)).toBe(refused.proc.pid);
    } finally {
      await refused.stop();
    }
    const allowed = await startDaemon(autoload, ["--disable_watchdog", "--allow_unsafe"]);
    try {
      const names = await waitFor("both to register", async () => {
        const n = await extensionNames(allowed);
        return n.length === 2 ? n : null;
      }, 20_000, allowed);
      expect(names).toEqual(["open", "safe"]);
      expect(allowed.stderr()).not.toContain("unsafe");
    } finally {
      await allowed.stop();
    }
  });

  test("--extensions_require of an extension that never comes: exit 78 after --extensions_timeout", async () => {
    const autoload = join(dir, "none.load");
    writeFileSync(autoload, "");
    const started = Date.now();
    const d = await startDaemon(autoload, ["--extensions_require=ghost", "--extensions_timeout=2"], false);
    const timer = setTimeout(() => d.proc.kill("SIGKILL"), 30_000);
    const code = await d.proc.exited;
    clearTimeout(timer);
    const elapsed = Date.now() - started;
    expect(code).toBe(78);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(d.stderr()).toContain("Required extension not found or not loaded: ghost");
    await d.stop(); // its temp dir
  });

  test("--extensions_require of an autoloaded extension waits for it, then the daemon runs", async () => {
    const needed = copyExtension(binary, join(dir, "req", "needed.ext"));
    const autoload = join(dir, "req.load");
    writeFileSync(autoload, `${needed}\n`);
    const d = await startDaemon(autoload, ["--extensions_require=needed", "--extensions_timeout=10"]);
    try {
      const rows = await waitFor("needed_rows", () => d.query("select count(*) as n from needed_rows"), 20_000, d);
      expect(rows).toEqual([{ n: "100" }]);
      expect(d.proc.exitCode).toBeNull();
    } finally {
      await d.stop();
    }
  });
});

test("--enable_extensions_watchdog: an extension over the memory limit is stopped with osquery's line and started again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-extlife-"));
  try {
    const ext = copyExtension(binary, join(dir, "hungry.ext"));
    const autoload = join(dir, "extensions.load");
    writeFileSync(autoload, `${ext}\n`);
    const d = await startDaemon(autoload, ["--enable_extensions_watchdog", "--watchdog_memory_limit=80", "--watchdog_delay=0"]);
    try {
      const first = await waitFor("hungry_pids", () => d.query("select pid from hungry_pids where role = 'self'"), 20_000, d);
      const pid = Number(first[0]!.pid);
      // Memory counts above the first sample, taken at the supervisor's next 3 s check: grow only after it.
      await Bun.sleep(3500);
      expect(await d.query("select mb from hungry_hog where mb = 200")).toEqual([{ mb: "200" }]);
      // The supervisor samples every 3 s; the stop is SIGTERM, then SIGKILL after --watchdog_forced_shutdown_delay.
      await waitFor("the stop", async () => new RegExp(`osquery extension ${ext} \\(${pid}\\) stopping: Memory limits exceeded`).test(d.stderr()), 20_000, d);
      const again = await waitFor("a new hungry process", async () => {
        const r = await d.query("select pid from hungry_pids where role = 'self'");
        return r.length === 1 && Number(r[0]!.pid) !== pid ? r : null;
      }, 20_000, d);
      expect(alive(pid)).toBe(false);
      expect(alive(Number(again[0]!.pid))).toBe(true);
    } finally {
      await d.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an autoloaded SDK extension as config and logger plugin: its schedule runs and its logger receives osquery's result lines", async () => {
  const dir = mkdtempSync(join(tmpdir(), "osq-extlife-"));
  const source = `
import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defineTable, startExtension } from "osq-sdk";
// Beside the binary: the test reads it there.
const log = join(dirname(process.execPath), "logged");
await startExtension({
  name: "plugins",
  version: "2.0.0",
  tables: [defineTable({ name: "plugin_rows", columns: { id: "INTEGER", word: "TEXT" }, generate: () => [{ id: 1, word: "one" }, { id: 2, word: "two" }] })],
  configs: [{ name: "ext_config", genConfig: () => ({ ext: JSON.stringify({ schedule: { ext_words: { query: "select word from plugin_rows", interval: 1 } } }) }) }],
  loggers: [{ name: "ext_logger", logString: (line) => appendFileSync(log, line + "\\n") }],
});
`;
  try {
    const ext = buildExtension(source, "plugins", dir);
    const autoload = join(dir, "extensions.load");
    writeFileSync(autoload, `${ext}\n`);
    const logged = join(dir, "logged");
    const d = await startDaemon(autoload, ["--config_plugin=ext_config", "--logger_plugin=ext_logger"]);
    try {
      const lines = await waitFor("result lines from ext_words", async () => {
        const text = existsSync(logged) ? readFileSync(logged, "utf8") : "";
        const parsed = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        const ours = parsed.filter((l) => l.name === "ext_words");
        return ours.length >= 2 ? ours : null;
      }, 30_000, d);
      // osquery's event-format result lines, one per added row.
      const words = lines.map((l) => (l.columns as Record<string, string>).word).sort();
      expect(words).toEqual(["one", "two"]);
      for (const l of lines) {
        expect(l.action).toBe("added");
        expect(typeof l.unixTime).toBe("number");
        expect(l.hostIdentifier).toBeString();
      }
    } finally {
      await d.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's SDK example runs as written", async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Extensions in TypeScript (osq-sdk)"));
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!script) throw new Error("README has no sh block in its SDK section");
  const work = mkdtempSync(join(tmpdir(), "osq-readme-"));
  try {
    const home = join(work, "home");
    mkdirSync(home);
    // HOME and npm's cache in the temp dir: the shell's ~/.osquery and npm's files stay out of root's home; --offline: nothing leaves the machine.
    const r = Bun.spawnSync(["bash", "-euo", "pipefail", "-c", script], {
      cwd: work,
      env: { ...process.env, OSQ: ROOT, HOME: home, npm_config_cache: join(work, "npm-cache"), npm_config_offline: "true" },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 120_000,
    });
    expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: expect.any(String) });
    // bun build reports its steps on stdout first; the shell's JSON comes last.
    const out = r.stdout.toString();
    expect(JSON.parse(out.slice(out.lastIndexOf("\n[\n") + 1))).toEqual([{ greeting: "bonjour" }]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
