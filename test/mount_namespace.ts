// Runs shell commands in a private mount namespace (unshare -m, root only):
// the setup lines mount fixtures over real system paths (/etc, /run,
// /sys/firmware, ...) for the commands alone, so the compiled binary and an
// independent system tool read a fixture where osquery reads the real file,
// and nothing outside the namespace sees a change.

import { OSQUERYI } from "./helpers.ts";

const SEPARATOR = "--- osq mount namespace ---";

/**
 * Runs `setup` (any failure aborts), then each command; returns each command's
 * stdout. With `privateNetwork` the namespace also has a network of its own
 * with only a loopback that is down, so nothing run there can reach any host.
 */
export function inMountNamespace(setup: readonly string[], commands: readonly string[], opts: { privateNetwork?: boolean } = {}): string[] {
  const script = ["set -e", ...setup, ...commands.flatMap((c) => [c, `echo '${SEPARATOR}'`])].join("\n");
  const run = Bun.spawnSync(["unshare", "-m", ...(opts.privateNetwork ? ["-n"] : []), "sh", "-c", script], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`needs root (unshare -m and mount): ${run.stderr.toString().trim()}`);
  return run.stdout.toString().split(`${SEPARATOR}\n`).slice(0, commands.length);
}

/** The compiled shell's rows for `sql`, run inside a private mount namespace after `setup`. */
export function selectInMountNamespace(setup: readonly string[], sql: string): Record<string, string>[] {
  const [out] = inMountNamespace(setup, [`${sh(OSQUERYI)} --json ${sh(sql)}`]);
  return JSON.parse(out ?? "") as Record<string, string>[];
}

/** Quotes a string for sh. */
export function sh(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Setup lines that lay a writable overlay over `target` (its files stay
 * visible; writes land in `scratch`, a temporary directory), so a test can
 * put a fixture at a path like /etc/sudoers without touching the real one.
 */
export function overlay(target: string, scratch: string): string[] {
  const up = `${scratch}/upper`;
  const work = `${scratch}/work`;
  return [`mkdir -p ${sh(up)} ${sh(work)}`, `mount -t overlay osq-overlay -o lowerdir=${target},upperdir=${up},workdir=${work} ${sh(target)}`];
}

export interface NamespaceHolder {
  /** A process living in the namespace: /proc/<pid>/root shows its mounts. */
  readonly pid: number;
  /** Runs a command inside the namespace (nsenter); returns its stdout. */
  run(argv: readonly string[]): string;
  stop(): void;
}

/**
 * Keeps a private mount namespace alive after `setup`, so in-process code can
 * read it through /proc/<pid>/root (osquery's pid_with_namespace) and
 * commands can enter it.
 */
export async function holdMountNamespace(setup: readonly string[]): Promise<NamespaceHolder> {
  const script = ["set -e", ...setup, "echo ready", "exec sleep 600"].join("\n");
  const proc = Bun.spawn(["unshare", "-m", "sh", "-c", script], { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const first = await reader.read();
  reader.releaseLock();
  if (first.done || !new TextDecoder().decode(first.value).includes("ready")) {
    const err = await new Response(proc.stderr).text();
    throw new Error(`needs root (unshare -m and mount): ${err.trim()}`);
  }
  return {
    pid: proc.pid,
    run(argv) {
      const r = Bun.spawnSync(["nsenter", "-t", String(proc.pid), "-m", ...argv], { stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} in the namespace failed: ${r.stderr.toString().trim()}`);
      return r.stdout.toString();
    },
    stop() {
      proc.kill();
    },
  };
}
