// One osqueryd under test, everything in a temp dir: the config file, the
// database, the logs, the pidfile, and the daemon's stdout and stderr as files
// a test reads while the daemon runs. The e2e tests that start the compiled
// dist/osqueryd and watch what it writes share this instead of each keeping
// its own start() and waitFor().
//
//   const d = new DaemonFixture("osq-watchdog-");   // in beforeEach
//   d.writeConfig({ schedule: {...} });
//   const p = d.start(["--disable_watchdog"]);       // flags after the defaults win
//   await d.waitFor("the first results", () => d.logLines("osqueryd.results.log").length > 0);
//   d.stderr()                                       // what the daemon wrote so far
//   await d.cleanup();                               // in afterEach: SIGKILL, wait, remove the dir
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "./helpers.ts";

export interface StartOptions {
  /** --database_path; a path inside the temp dir by default. */
  readonly databasePath?: string;
  /** false: no --config_path (a test whose config comes from a TLS server). */
  readonly configFile?: boolean;
  readonly env?: Record<string, string>;
}

export class DaemonFixture {
  readonly dir: string;
  /** Every daemon started, in order; cleanup() kills those still running. */
  readonly procs: Subprocess[] = [];

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  get configPath(): string {
    return this.path("osquery.conf");
  }

  get logDir(): string {
    return this.path("logs");
  }

  /** Writes the config file: a string as it is (comments, broken JSON), anything else as JSON. */
  writeConfig(config: unknown): void {
    writeFileSync(this.configPath, typeof config === "string" ? config : JSON.stringify(config));
  }

  /** dist/osqueryd with the temp dir's paths, then `extra` (which may override them: the last one wins). */
  argv(extra: readonly string[] = [], opts: StartOptions = {}): string[] {
    return [
      OSQUERYD,
      ...(opts.configFile === false ? [] : [`--config_path=${this.configPath}`]),
      `--database_path=${opts.databasePath ?? this.path("osquery.db")}`,
      `--logger_path=${this.logDir}`,
      `--pidfile=${this.path("osqueryd.pid")}`,
      ...extra,
    ];
  }

  /** Starts argv(extra, opts) with stdout and stderr going to files in the temp dir. */
  start(extra: readonly string[] = [], opts: StartOptions = {}): Subprocess {
    const p = Bun.spawn(this.argv(extra, opts), {
      stdout: Bun.file(this.path("stdout")),
      stderr: Bun.file(this.path("stderr")),
      stdin: "ignore",
      env: opts.env ? { ...process.env, ...opts.env } : undefined,
    });
    this.procs.push(p);
    return p;
  }

  stderr(): string {
    return this.read("stderr");
  }

  /** A file in the temp dir, "" while it does not exist. */
  read(name: string): string {
    const path = this.path(name);
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  }

  /** The JSON lines of a log file the filesystem logger writes (osqueryd.results.log, osqueryd.snapshots.log, ...). */
  logLines<T>(file: string): T[] {
    return this.read(join("logs", file))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T);
  }

  /** Polls `fn` until it returns something truthy; the timeout's error shows the daemon's stderr. */
  async waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 8000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstderr:\n${this.stderr()}`);
      await Bun.sleep(50);
    }
  }

  /** SIGKILLs every daemon still running and waits for each. */
  async stop(): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill(9);
      await p.exited;
    }
  }

  /** stop(), then removes the temp dir. */
  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
