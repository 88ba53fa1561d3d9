// What the packaging tests share: the cross-built binaries (built once per run,
// kept in dist/ while newer than dist/osq), scratch roots for chroots, and the
// check that a binary opens an LMDB database.
import { expect } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { OSQ, ROOT, type RunResult } from "../helpers.ts";
import { tool } from "../tools.ts";

/** The lmdb addon file a target's binary embeds (in dist/.cache since the binary was built). */
export { lmdbAddonOf } from "../../build.ts";

export const TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "linux-x64-musl", "linux-arm64-musl"] as const;
export type TargetName = (typeof TARGETS)[number];

export function binaryOf(target: TargetName): string {
  return join(ROOT, "dist", target, "osq");
}

/**
 * Builds the cross binaries that are missing or older than dist/osq (which
 * .ci/run builds first), in one `bun build.ts --target=…` call.
 */
export function ensureTargets(targets: readonly TargetName[]): void {
  if (!existsSync(OSQ)) throw new Error("dist/osq is missing: run `npm run build` first");
  const host = statSync(OSQ).mtimeMs;
  const stale = targets.filter((t) => !existsSync(binaryOf(t)) || statSync(binaryOf(t)).mtimeMs < host);
  if (stale.length === 0) return;
  const r = Bun.spawnSync([process.execPath, "build.ts", `--target=${stale.join(",")}`], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bun build.ts --target=${stale.join(",")} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
}

export function run(argv: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): RunResult {
  const r = Bun.spawnSync([...argv], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export function ok(argv: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): string {
  const r = run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `osq-${prefix}-`));
}

/** The shared objects `ldd` resolves for `file` (the dynamic loader included). */
export function lddFiles(file: string): string[] {
  const out = ok([tool("ldd", "libc-bin"), file]);
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1] ?? "").filter((p) => p !== "");
}

/** Copies host files into `root` at the same paths (links followed). */
export function copyInto(root: string, files: readonly string[]): void {
  for (const f of files) {
    mkdirSync(join(root, dirname(f)), { recursive: true });
    copyFileSync(f, join(root, f));
  }
}

/** The shared libraries an ELF file names in its dynamic section (DT_NEEDED), read with binutils' readelf. */
export function elfNeeded(file: string): string[] {
  const out = ok([tool("readelf", "binutils"), "-d", file]);
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1] ?? "");
}

/** What the C library is made of: glibc's libc, libm, libpthread, libdl and loader; musl's one libc.so (its loader answers for it). */
export function isLibcFile(name: string): boolean {
  return /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12]|libc\.so|libc\.musl-(x86_64|aarch64)\.so\.1)$/.test(name);
}

/** The highest GLIBC_x.y symbol version an ELF file's dynamic symbols need ("" when none), read with readelf. */
export function highestGlibc(file: string): string {
  const out = ok([tool("readelf", "binutils"), "--dyn-syms", "-W", file]);
  const versions = [...out.matchAll(/@GLIBC_(\d+)\.(\d+)(?:\.(\d+))?\b/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] as const);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const top = versions.at(-1);
  return top ? `${top[0]}.${top[1]}${top[2] ? `.${top[2]}` : ""}` : "";
}

/**
 * Runs `argv` chrooted into `root` inside a private mount namespace with /proc
 * mounted (a compiled Bun binary reads its program from /proc/self/exe), and a
 * network namespace of its own with no interface up: what runs there can fetch nothing.
 */
export function inChroot(root: string, argv: readonly string[]): RunResult {
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  mkdirSync(join(root, "proc"), { recursive: true });
  mkdirSync(join(root, "tmp"), { recursive: true, mode: 0o1777 });
  return run([tool("unshare", "util-linux"), "-m", "-n", "sh", "-c", `mount -t proc proc '${root}/proc' && exec chroot '${root}' ${quoted}`]);
}

/**
 * `select 1`, then the instance id twice from a persistent database: the second
 * run can only print the first run's id if LMDB wrote it and read it back.
 */
export function expectSelectAndDatabase(launch: (args: readonly string[]) => RunResult, dbPath: string): void {
  const one = launch(["--json", "select 1 as one"]);
  expect(one.stderr).toBe("");
  expect(one.code).toBe(0);
  expect(JSON.parse(one.stdout)).toEqual([{ one: "1" }]);
  const ids = [1, 2].map(() => {
    const r = launch([`--database_path=${dbPath}`, "--json", "select instance_id from osquery_info"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { instance_id: string }[];
    return rows[0]?.instance_id ?? "";
  });
  expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(ids[1]).toBe(ids[0] ?? "");
}
