// Builds TypeScript SDK extensions into `.ext` binaries at test (or bench)
// time, the way the README tells users to: the SDK linked into the project's
// node_modules (what `npm install <osq>/sdk` does), then `bun build --compile`.
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../helpers.ts";

/**
 * An extension whose name is its file's base name (so copies of one binary
 * are distinct extensions). Tables: `<name>_pids`, this process and its
 * parent; `<name>_rows`, ids 0..rows-1 (or those an `id` constraint asks for);
 * `<name>_hog`, which grows the process by `mb` MB.
 */
export const TEST_EXTENSION = `
import { basename } from "node:path";
import { defineTable, startExtension } from "osq-sdk";

const name = basename(process.execPath).replace(/\\.ext$/, "");
const rows = Number(process.env.OSQ_TEST_EXT_ROWS ?? "100");
const pids = defineTable({
  name: name + "_pids",
  columns: { pid: "BIGINT index", role: "TEXT" },
  generate: () => [
    { pid: process.pid, role: "self" },
    { pid: process.ppid, role: "parent" },
  ],
});
const numbered = defineTable({
  name: name + "_rows",
  columns: { id: "BIGINT index", label: "TEXT", half: "DOUBLE" },
  generate: (ctx) => {
    const wanted = ctx.equals("id").map(Number).filter((id) => id >= 0 && id < rows);
    const out = [];
    if (wanted.length > 0) for (const id of wanted) out.push({ id, label: "row " + id, half: id / 2 });
    else for (let id = 0; id < rows; id++) out.push({ id, label: "row " + id, half: id / 2 });
    return out;
  },
});
// Querying it with mb = N makes this process hold N MB more (touched, so resident): for the watchdog's memory limit.
const held = [];
const hog = defineTable({
  name: name + "_hog",
  columns: { mb: "INTEGER" },
  generate: (ctx) => {
    const mb = Number(ctx.equals("mb")[0] ?? "0");
    for (let i = 0; i < mb; i++) held.push(Buffer.alloc(1 << 20, 1));
    return [{ mb }];
  },
});
await startExtension({ name, version: "1.0.0", tables: [pids, numbered, hog] });
`;

/** Compiles `source` (importing "osq-sdk") to `<dir>/<name>.ext`; returns its path. */
export function buildExtension(source: string, name: string, dir = mkdtempSync(join(tmpdir(), "osq-extbuild-"))): string {
  const project = join(dir, "project");
  mkdirSync(join(project, "node_modules"), { recursive: true });
  symlinkSync(join(ROOT, "sdk"), join(project, "node_modules", "osq-sdk"));
  writeFileSync(join(project, "ext.ts"), source);
  const out = join(dir, `${name}.ext`);
  const r = Bun.spawnSync([join(ROOT, "node_modules/.bin/bun"), "build", "--compile", join(project, "ext.ts"), "--outfile", out], { cwd: project, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bun build --compile of the extension failed: ${r.stderr.toString()}`);
  chmodSync(out, 0o755);
  return out;
}

/** A copy of `binary` at `path` (a distinct extension when the base name differs). */
export function copyExtension(binary: string, path: string, mode = 0o755): string {
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(binary, path);
  chmodSync(path, mode);
  return path;
}
