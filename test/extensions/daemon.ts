// A compiled osqueryd with its extension manager on a socket in a temp dir,
// for the extension tests: started, waited for, its stderr kept, stopped.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQ, OSQUERYD } from "../helpers.ts";

export interface RunningDaemon {
  readonly dir: string;
  readonly socket: string;
  readonly proc: ReturnType<typeof Bun.spawn>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /**
   * Waits for "osquery initialized", then a moment more: the daemon installs
   * its SIGTERM handler just after that line, and a SIGTERM in between ends it
   * with the signal (143) instead of a clean exit.
   */
  initialized(): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

export async function startDaemon(extraArgs: readonly string[] = [], opts: { waitForSocket?: boolean; beforeStart?: (dir: string) => void } = {}): Promise<RunningDaemon> {
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "osq-ext-"));
  const socket = join(dir, "osquery.em");
  opts.beforeStart?.(dir);
  const proc = Bun.spawn(
    [
      OSQUERYD,
      "--ephemeral",
      "--disable_watchdog",
      `--extensions_socket=${socket}`,
      `--logger_path=${dir}`,
      `--pidfile=${join(dir, "pid")}`,
      `--config_path=${join(dir, "osquery.conf")}`,
      ...extraArgs,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  let err = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) err += decoder.decode(chunk);
  })();
  void new Response(proc.stdout).text();
  if (opts.waitForSocket ?? true) {
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (proc.exitCode !== null) throw new Error(`osqueryd exited ${proc.exitCode} before serving ${socket}: ${err}`);
      if (Date.now() > deadline) throw new Error(`osqueryd never served ${socket}: ${err}`);
      await Bun.sleep(20);
    }
  }
  return {
    dir,
    socket,
    proc,
    stderr: () => err,
    async initialized() {
      const deadline = Date.now() + 20_000;
      while (!err.includes("osquery initialized")) {
        if (proc.exitCode !== null) throw new Error(`osqueryd exited ${proc.exitCode}: ${err}`);
        if (Date.now() > deadline) throw new Error(`osqueryd never initialized: ${err}`);
        await Bun.sleep(50);
      }
      await Bun.sleep(500);
    },
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const code = await proc.exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
