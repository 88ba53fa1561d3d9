// Test fixtures for the accounts tables: files written into real locations
// (root's home, /etc/cron.d) that are put back exactly as they were
// afterwards: an existing file is restored byte for byte with its mode, a
// new one is removed, and directories created for it are removed when empty.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const MARKER = `osqtest${process.pid}x${Math.floor(Math.random() * 1e9)}`;

export class Janitor {
  private readonly undo: (() => void)[] = [];

  /** Creates `dir` and any missing parents, remembering which ones to remove. */
  ensureDir(dir: string, mode = 0o700): void {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d, { mode });
      this.undo.push(() => rmdirSync(d)); // fails (and is ignored) unless empty
    }
  }

  write(path: string, content: string | Uint8Array, mode = 0o600): void {
    this.ensureDir(dirname(path));
    if (existsSync(path)) {
      const before = readFileSync(path);
      const beforeMode = statSync(path).mode & 0o7777;
      this.undo.push(() => {
        writeFileSync(path, before);
        chmodSync(path, beforeMode);
      });
    } else {
      this.undo.push(() => unlinkSync(path));
    }
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
  }

  /** Registers a file some tool created (e.g. ssh-keygen) for removal. */
  created(path: string): void {
    this.undo.push(() => unlinkSync(path));
  }

  cleanup(): void {
    for (const f of this.undo.splice(0).reverse()) {
      try {
        f();
      } catch {
        // already gone, or a directory someone else put files in
      }
    }
  }
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
