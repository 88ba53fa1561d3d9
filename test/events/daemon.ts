// A compiled osqueryd in a temp dir for the event tests: its config, database,
// logs and pidfile all live under `dir`; results are read back from the
// filesystem logger's files.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { OSQUERYD } from "../helpers.ts";

export interface ResultLine {
  name: string;
  unixTime: number;
  counter: number;
  action: string;
  columns?: Record<string, string>;
  snapshot?: Record<string, string>[];
}

export class EventDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), "osq-events-e2e-"));
  private procs: Subprocess[] = [];

  config(config: unknown): void {
    writeFileSync(join(this.dir, "osquery.conf"), JSON.stringify(config));
  }

  start(extra: string[] = []): Subprocess {
    const p = Bun.spawn(
      [
        OSQUERYD,
        `--config_path=${join(this.dir, "osquery.conf")}`,
        `--database_path=${join(this.dir, "osquery.db")}`,
        `--logger_path=${join(this.dir, "logs")}`,
        `--pidfile=${join(this.dir, "osqueryd.pid")}`,
        "--host_identifier=specified",
        "--specified_identifier=events",
        "--verbose",
        ...extra,
      ],
      { stdout: "ignore", stderr: Bun.file(join(this.dir, `stderr.${this.procs.length}`)), stdin: "ignore" },
    );
    this.procs.push(p);
    return p;
  }

  stderr(): string {
    return this.procs.map((_, i) => join(this.dir, `stderr.${i}`)).filter(existsSync).map((f) => readFileSync(f, "utf8")).join("\n");
  }

  lines(file = "osqueryd.results.log"): ResultLine[] {
    const path = join(this.dir, "logs", file);
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ResultLine);
  }

  /** Result rows of the scheduled query `name`, in log order. */
  rows(name: string): Record<string, string>[] {
    return this.lines().filter((l) => l.name === name && l.columns).map((l) => l.columns!);
  }

  async waitFor<T>(what: string, fn: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstderr:\n${this.stderr()}`);
      await Bun.sleep(50);
    }
  }

  /** The stderr of the daemon started last. */
  lastStderr(): string {
    const f = join(this.dir, `stderr.${this.procs.length - 1}`);
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  /** Waits until the daemon started last has started `publisher` (its verbose status says so). */
  async started(publisher: string): Promise<void> {
    await this.waitFor(`the ${publisher} publisher to start`, () => this.lastStderr().includes(`Starting event publisher run loop: ${publisher}`));
  }

  async stop(p: Subprocess, signal: NodeJS.Signals | number = "SIGTERM"): Promise<number> {
    p.kill(signal);
    return await p.exited;
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      p.kill(9);
      await p.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
