// The autoload list on real files in a temp dir: comments, blank lines,
// directories walked recursively, the .ext suffix, and osquery's
// safePermissions (owner, mode bits, sticky directory), with --allow_unsafe.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { autoloadBinaries } from "../../src/extensions/autoload.ts";
import { safePermissions } from "../../src/linux/fs.ts";

let dir: string;
let warnings: string[];
let verbose: string[];
const log = { warning: (m: string) => warnings.push(m), verbose: (m: string) => verbose.push(m) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-autoload-"));
  warnings = [];
  verbose = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function binary(path: string, mode = 0o755): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, mode);
  return path;
}

function loadFile(lines: string[]): string {
  const path = join(dir, "extensions.load");
  writeFileSync(path, lines.join("\n"));
  return path;
}

const load = (file: string, extra: { extension?: string; allowUnsafe?: boolean } = {}) =>
  autoloadBinaries({ loadFile: file, extension: extra.extension ?? "", allowUnsafe: extra.allowUnsafe ?? false }, log);

describe("autoload list", () => {
  test("comments and blank lines are skipped; listed .ext files are taken, sorted", () => {
    const b = binary(join(dir, "b.ext"));
    const a = binary(join(dir, "a.ext"));
    const hidden = binary(join(dir, "commented.ext"));
    const file = loadFile([`# ${hidden}`, `;${hidden}`, "", "   ", b, `  ${a}  `]);
    expect(load(file)).toEqual([a, b]);
    expect(warnings).toEqual([]);
  });

  test("a directory stands for every .ext file below it, nested ones too", () => {
    const top = binary(join(dir, "exts", "top.ext"));
    const nested = binary(join(dir, "exts", "deeper", "nested.ext"));
    const other = binary(join(dir, "exts", "README"));
    const file = loadFile([join(dir, "exts")]);
    expect(load(file)).toEqual([nested, top].sort());
    expect(warnings).toEqual([`Will not autoload extension not ending in one of '.ext': ${other}`]);
    expect(verbose).toContain(`Found autoloadable extension: ${top}`);
  });

  test("missing paths and other suffixes are refused with osquery's warnings", () => {
    const wrong = binary(join(dir, "tool.bin"));
    const missing = join(dir, "gone.ext");
    expect(load(loadFile([wrong, missing]))).toEqual([]);
    expect(warnings).toEqual([`Will not autoload extension not ending in one of '.ext': ${wrong}`, `extension doesn't exist at: ${missing}`]);
  });

  test("a world-writable binary is refused, and taken with --allow_unsafe", () => {
    const unsafe = binary(join(dir, "open.ext"), 0o777);
    const file = loadFile([unsafe]);
    expect(load(file)).toEqual([]);
    expect(warnings).toEqual([`Will not autoload extension with unsafe directory permissions: ${unsafe}`]);
    expect(load(file, { allowUnsafe: true })).toEqual([unsafe]);
  });

  test("a binary not executable by its owner is refused", () => {
    const plain = binary(join(dir, "plain.ext"), 0o644);
    expect(load(loadFile([plain]))).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  test("a binary in a sticky (/tmp-like) directory is refused", () => {
    const sticky = join(dir, "sticky");
    const ext = binary(join(sticky, "x.ext"));
    chmodSync(sticky, 0o1777);
    expect(load(loadFile([ext]))).toEqual([]);
    expect(warnings).toEqual([`Will not autoload extension with unsafe directory permissions: ${ext}`]);
  });

  test("an unreadable autoload file loads nothing; the shell's --extension is taken unchecked", () => {
    const dev = binary(join(dir, "dev-build"), 0o777);
    expect(load(join(dir, "no-such-file"))).toEqual([]);
    expect(verbose.some((m) => m.startsWith("Could not autoload extensions:"))).toBe(true);
    expect(load(join(dir, "no-such-file"), { extension: dev })).toEqual([dev]);
  });
});

describe("safePermissions", () => {
  test("matches osquery's rules for files owned by this user", () => {
    const ok = binary(join(dir, "ok"));
    expect(safePermissions(dir, ok, true)).toBe(true);
    expect(safePermissions(dir, binary(join(dir, "gw"), 0o775), true)).toBe(true); // group write is allowed, as in osquery
    expect(safePermissions(dir, binary(join(dir, "ow"), 0o757), true)).toBe(false);
    expect(safePermissions(dir, binary(join(dir, "nx"), 0o644), false)).toBe(true); // not executable: fine when not run
    expect(safePermissions(dir, dir, false)).toBe(false); // a directory is never a module
    expect(safePermissions(dir, join(dir, "missing"), true, true)).toBe(false); // --allow_unsafe still needs the file
    expect(safePermissions("/tmp", ok, true)).toBe(false); // /tmp is sticky
  });

  test("a file owned by another user is refused unless --allow_unsafe", () => {
    const other = binary(join(dir, "other"));
    if (process.getuid?.() !== 0) throw new Error("this test needs root to chown a file to another user");
    Bun.spawnSync(["chown", "65534", other]);
    expect(safePermissions(dir, other, true)).toBe(false);
    expect(safePermissions(dir, other, true, true)).toBe(true);
  });
});
