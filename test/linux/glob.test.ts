// glob.ts: osquery's LIKE → glob expansion, checked against find(1) on a temp tree.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GLOB_ALL,
  GLOB_FILES,
  GLOB_FOLDERS,
  boostFilename,
  boostParentPath,
  expandBraces,
  glob,
  resolveFilePattern,
} from "../../src/linux/glob.ts";

let dir = "";

/** find's view of the tree: non-hidden paths below `root`, directories with a trailing "/". */
function find(root: string, maxDepth?: number): string[] {
  const args = [root, "-mindepth", "1", ...(maxDepth ? ["-maxdepth", String(maxDepth)] : []), "-name", ".*", "-prune", "-o", "-printf", "%p%y\\n"];
  return Bun.spawnSync(["find", ...args]).stdout.toString().split("\n").filter(Boolean)
    .map((l) => (l.endsWith("d") ? `${l.slice(0, -1)}/` : l.slice(0, -1)))
    .sort();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-glob-"));
  mkdirSync(join(dir, "a/b/c"), { recursive: true });
  mkdirSync(join(dir, "ssh"));
  mkdirSync(join(dir, "ssl"));
  mkdirSync(join(dir, ".hidden"));
  writeFileSync(join(dir, "top.txt"), "x");
  writeFileSync(join(dir, ".dot"), "x");
  writeFileSync(join(dir, "a/one"), "1");
  writeFileSync(join(dir, "a/b/two"), "2");
  writeFileSync(join(dir, "a/b/c/three"), "3");
  writeFileSync(join(dir, "ssh/sshd_config"), "cfg");
  writeFileSync(join(dir, ".hidden/inside"), "h");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveFilePattern", () => {
  test("% matches one level, directories marked, dotfiles skipped", () => {
    expect(resolveFilePattern(`${dir}/%`, GLOB_ALL).sort()).toEqual(find(dir, 1));
  });

  test("%% recurses through every level", () => {
    expect(resolveFilePattern(`${dir}/%%`, GLOB_ALL).sort()).toEqual(find(dir));
  });

  test("% inside a level and a fixed tail", () => {
    expect(resolveFilePattern(`${dir}/ss%/sshd_config`, GLOB_ALL)).toEqual([`${dir}/ssh/sshd_config`]);
    expect(resolveFilePattern(`${dir}/ss%`, GLOB_ALL)).toEqual([`${dir}/ssh/`, `${dir}/ssl/`]);
  });

  test("GLOB_FILES / GLOB_FOLDERS split on the trailing slash", () => {
    expect(resolveFilePattern(`${dir}/%`, GLOB_FOLDERS)).toEqual(find(dir, 1).filter((p) => p.endsWith("/")));
    expect(resolveFilePattern(`${dir}/%`, GLOB_FILES)).toEqual([`${dir}/top.txt`]);
  });

  test("_ stays literal, as osquery does not translate it", () => {
    expect(resolveFilePattern(`${dir}/top_txt`, GLOB_ALL)).toEqual([]);
  });

  test("a symlink loop stops the recursion instead of running away", () => {
    const loopDir = join(dir, "loop");
    mkdirSync(loopDir);
    symlinkSync(loopDir, join(loopDir, "self"));
    const found = resolveFilePattern(`${loopDir}/%%`, GLOB_ALL);
    expect(found.length).toBeLessThan(10);
    expect(found).toContain(`${loopDir}/self/`);
    rmSync(loopDir, { recursive: true });
  });
});

describe("glob", () => {
  test("braces, ? and classes", () => {
    expect(expandBraces("/x/{a,b{c,d}}/y")).toEqual(["/x/a/y", "/x/bc/y", "/x/bd/y"]);
    expect(glob(`${dir}/{ssh,ssl,nope}`)).toEqual([`${dir}/ssh/`, `${dir}/ssl/`]);
    expect(glob(`${dir}/ss?`)).toEqual([`${dir}/ssh/`, `${dir}/ssl/`]);
    expect(glob(`${dir}/ss[!h]`)).toEqual([`${dir}/ssl/`]);
    expect(glob(`${dir}/.*`).sort()).toEqual([`${dir}/.dot`, `${dir}/.hidden/`]);
  });

  test("a literal path is returned only when it exists (lstat)", () => {
    expect(glob(`${dir}/top.txt`)).toEqual([`${dir}/top.txt`]);
    expect(glob(`${dir}/missing`)).toEqual([]);
  });
});

describe("boost path pieces", () => {
  test("filename and parent_path like boost::filesystem v3", () => {
    expect(boostFilename("/etc/hosts")).toBe("hosts");
    expect(boostFilename("/etc/ssh/")).toBe(".");
    expect(boostParentPath("/etc/hosts")).toBe("/etc");
    expect(boostParentPath("/etc/ssh/")).toBe("/etc/ssh");
    expect(boostParentPath("/etc")).toBe("/");
    expect(boostParentPath("/")).toBe("");
  });
});
