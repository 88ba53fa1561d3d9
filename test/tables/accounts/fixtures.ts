// Test fixtures for the accounts tables: root's ~/.ssh replaced inside a held
// mount namespace (test/home_fixture.ts), and a runner for the tools the
// tests compare against.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { rootHomeFixture, type HomeFixture } from "../../home_fixture.ts";

export const MARKER = `osqtest${process.pid}x${Math.floor(Math.random() * 1e9)}`;

export interface SshFixture extends HomeFixture {
  /** Root's ~/.ssh as the namespace sees it. */
  readonly sshDir: string;
  /** The local copy of it. */
  readonly localSshDir: string;
}

/** rootHomeFixture for ~/.ssh alone: `build` fills a fresh directory that replaces it. */
export async function rootSshFixture(build: (localSshDir: string) => void): Promise<SshFixture> {
  let localSshDir = "";
  const fx = await rootHomeFixture((h) => {
    localSshDir = join(h, ".ssh");
    mkdirSync(localSshDir, { mode: 0o700 });
    build(localSshDir);
  }, [".ssh"]);
  return { ...fx, sshDir: join(fx.home, ".ssh"), localSshDir };
}

/** Runs a command with a fixed argv and returns its stdout ("" when it fails to start). */
export function run(argv: readonly string[], stdin?: string): { code: number; stdout: string } {
  try {
    const r = Bun.spawnSync([...argv], {
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: r.exitCode ?? -1, stdout: r.stdout.toString() };
  } catch {
    return { code: -1, stdout: "" };
  }
}
