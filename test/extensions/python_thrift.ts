// Debian's thrift-compiler and python3-thrift as an independent Thrift peer:
// the Python code is generated from the project's IDL into a temp dir at test
// time, so the peer shares nothing with osq's codec but the IDL.
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.ts";
import { tool } from "../tools.ts";

export const IDL = join(ROOT, "src/extensions/osquery.thrift");

/**
 * Debian's python3, which python3-thrift installs into; a python3 earlier in
 * PATH (pyenv, a venv) does not see Debian's dist-packages.
 */
export function debianPython(): string {
  if (existsSync("/usr/bin/python3")) return "/usr/bin/python3";
  return tool("python3", "python3");
}

/** A temp dir holding the generated `osquery.extensions` package; PYTHONPATH for the peer scripts. */
export function generatePython(): string {
  const thrift = tool("thrift", "thrift-compiler");
  const python = debianPython();
  const probe = Bun.spawnSync([python, "-c", "import thrift.protocol.TBinaryProtocol"]);
  if (probe.exitCode !== 0) throw new Error("python3's thrift module is missing: install the Debian package python3-thrift");
  const dir = mkdtempSync(join(tmpdir(), "osq-pythrift-"));
  const r = Bun.spawnSync([thrift, "--gen", "py", "-out", dir, IDL]);
  if (r.exitCode !== 0) throw new Error(`thrift --gen py failed: ${r.stderr.toString()}`);
  if (!existsSync(join(dir, "osquery/extensions/ExtensionManager.py"))) throw new Error(`thrift wrote no ExtensionManager.py in ${dir}`);
  return dir;
}

/** Runs a Python script with the generated package importable; resolves with its exit, stdout and stderr. */
export async function runPython(genDir: string, script: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([debianPython(), "-c", script, ...args], {
    env: { ...process.env, PYTHONPATH: genDir },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts a long-running Python script; the caller kills it. */
export function spawnPython(genDir: string, script: string, args: readonly string[] = []) {
  return Bun.spawn([debianPython(), "-u", "-c", script, ...args], {
    env: { ...process.env, PYTHONPATH: genDir },
    stdout: "pipe",
    stderr: "pipe",
  });
}
