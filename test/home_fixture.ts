// Files osquery reads from root's home, laid over it inside a private mount
// namespace (an overlay, so the real home is never written): in-process
// generators reach them through pid_with_namespace (/proc/<pid>/root), the
// binary runs inside the namespace.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "./helpers.ts";
import { holdMountNamespace, overlay, sh, type NamespaceHolder } from "./mount_namespace.ts";

/** uid 0's home as /etc/passwd names it. */
export function rootHome(): string {
  const home = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")).find((f) => f[2] === "0")?.[5];
  if (!home) throw new Error("/etc/passwd names no home for uid 0");
  return home;
}

export interface HomeFixture {
  readonly ns: NamespaceHolder;
  /** Root's home as the namespace (and the tables) see it. */
  readonly home: string;
  /** Maps a path under `home` to its local copy, for the independent tools to read. */
  local(path: string): string;
  /** Runs the binary inside the namespace; its rows. */
  select(sql: string): Record<string, string>[];
  cleanup(): void;
}

/**
 * Builds files for root's home in a temporary directory (`build` writes into
 * it), then holds a namespace where they are laid over the real home; each
 * path in `replaced` (relative to the home) is emptied first, so the real
 * files there do not mix in.
 */
export async function rootHomeFixture(build: (localHome: string) => void, replaced: readonly string[]): Promise<HomeFixture> {
  const scratch = mkdtempSync(join(tmpdir(), "osq-home-"));
  const localHome = join(scratch, "home");
  mkdirSync(localHome, { mode: 0o700 });
  build(localHome);
  const home = rootHome();
  const ns = await holdMountNamespace([
    ...overlay(home, join(scratch, "overlay")),
    ...replaced.map((r) => `rm -rf ${sh(join(home, r))}`),
    `cp -a ${sh(localHome)}/. ${sh(home)}/`,
  ]);
  return {
    ns,
    home,
    local: (path) => localHome + path.slice(home.length),
    select: (sql) => JSON.parse(ns.run([OSQUERYI, "--json", sql])) as Record<string, string>[],
    cleanup() {
      ns.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

