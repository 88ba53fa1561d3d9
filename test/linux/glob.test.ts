// glob.ts: osquery's LIKE → glob expansion, checked against find(1) on a temp
// tree and on /usr/lib, and against the kernel's own mounts in a private
// mount namespace (unshare(1)).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GLOB_ALL,
  GLOB_FILES,
  GLOB_FOLDERS,
  GLOB_NO_CANON,
  boostFilename,
  boostParentPath,
  expandBraces,
  glob,
  resolveFilePattern,
} from "../../src/linux/glob.ts";
import { OSQ, query } from "../helpers.ts";

let dir = "";

/** find's view of the tree: non-hidden paths below `root`, directories with a trailing "/". */
/**
 * What osquery 5 returns for `root/%%`, from find(1) alone: `find -L` follows
 * symlinked directories as osquery's walk does and reports the entries that
 * close a loop on stderr instead of listing them; osquery lists those (it
 * just does not enter them), and lists but does not enter a directory whose
 * (device, inode) it already walked. Level-1 dotfiles are glob's to skip.
 */
function findRecursive(root: string): string[] {
  const run = Bun.spawnSync(["find", "-L", root, "-mindepth", "1", "-maxdepth", "65", "-printf", "%D:%i %y %p\\n"], {
    env: { ...process.env, LC_ALL: "C" },
  });
  const loops = new Set<string>();
  for (const m of run.stderr.toString().matchAll(/File system loop detected; '(.*)' is part of/g)) loops.add(m[1] as string);
  const expected: string[] = [];
  const walked = new Set<string>();
  let skip: string | null = null;
  for (const line of run.stdout.toString().split("\n")) {
    if (!line) continue;
    const [id, type] = line.split(" ", 2) as [string, string];
    const path = line.slice(id.length + type.length + 2);
    if (skip !== null && path.startsWith(skip)) continue;
    skip = null;
    if (path.slice(root.length + 1).startsWith(".")) {
      skip = `${path}/`;
      continue;
    }
    if (loops.has(path)) {
      expected.push(`${path}/`);
    } else if (type === "d") {
      expected.push(`${path}/`);
      if (walked.has(id)) skip = `${path}/`;
      walked.add(id);
    } else {
      expected.push(path);
    }
  }
  for (const loop of loops) if (!expected.includes(`${loop}/`)) expected.push(`${loop}/`);
  return expected.sort();
}

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

});

describe("%% as osquery 5 walks it", () => {
  test("the walk reports which listed paths are symlinks, as find's %y (lstat) sees them", () => {
    const tree = mkdtempSync(join(tmpdir(), "osq-glob-links-"));
    try {
      mkdirSync(join(tree, "d/e"), { recursive: true });
      writeFileSync(join(tree, "d/file"), "x");
      symlinkSync("file", join(tree, "d/to-file"));
      symlinkSync("e", join(tree, "d/to-dir"));
      symlinkSync("nowhere", join(tree, "d/dangling"));
      const links = new Map<string, boolean>();
      const found = resolveFilePattern(`${tree}/%%`, GLOB_ALL | GLOB_NO_CANON, { links });
      // lstat of "to-dir/" follows the link: a path listed with its "/" is no link.
      const lines = Bun.spawnSync(["find", `${tree}/d`, "-mindepth", "1", "-printf", "%p %y %Y\\n"]).stdout.toString().split("\n").filter(Boolean);
      const expected = new Map(lines.map((l) => {
        const [path, own, followed] = l.split(" ") as [string, string, string];
        return followed === "d" ? [`${path}/`, false] : [path, own === "l"];
      }));
      expect(expected.size).toBe(5);
      expect(new Map([...links].filter(([p]) => p.startsWith(`${tree}/d/`)))).toEqual(expected);
      expect(found.filter((p) => p.startsWith(`${tree}/d/`) && p !== `${tree}/d/`).sort()).toEqual([...expected.keys()].sort());
      // Through the binary, a query reading no stat column gets lstat's answer.
      const rows = query(`SELECT path, symlink FROM file WHERE path LIKE '${tree}/d/%%' ORDER BY path`);
      expect(rows).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, link]) => ({ path, symlink: link ? "1" : "0" })));
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  test("/usr/lib/%% lists what find -L lists, deduplicated by (device, inode)", () => {
    const expected = findRecursive("/usr/lib");
    expect(expected.length).toBeGreaterThan(1000);
    const found = resolveFilePattern("/usr/lib/%%", GLOB_ALL | GLOB_NO_CANON);
    // Joined: a 70,000-element toEqual is slow to diff.
    expect([...new Set(found)].sort().join("\n")).toBe(expected.join("\n"));
    // The file table through the binary: one row per distinct path.
    expect(query("SELECT count(*) AS n FROM file WHERE path LIKE '/usr/lib/%%'")).toEqual([{ n: String(expected.length) }]);
  });

  test("the walk stops 64 levels below the globbed level", () => {
    const deep = join(dir, "deep");
    let level = deep;
    for (let i = 1; i <= 70; i++) {
      level = join(level, `d${i}`);
      mkdirSync(level, { recursive: true });
      writeFileSync(join(level, `f${i}`), "x");
    }
    try {
      const found = resolveFilePattern(`${deep}/%%`, GLOB_ALL).sort();
      // Level 1 from glob, then 64 levels of walk: find's depth 65.
      expect(found).toEqual(find(deep, 65));
      expect(found).toContain(`${deep}/${Array.from({ length: 64 }, (_, i) => `d${i + 1}`).join("/")}/f64`);
      expect(found.some((p) => p.includes("/d65/d66"))).toBe(false);
    } finally {
      rmSync(deep, { recursive: true });
    }
  });

  test("a symlink loop is listed once and not entered; the rest of the tree is still walked", () => {
    // osquery's own fixture for #7291: 1/2/3/4/d.txt next to 5/6 -> ../5.
    const t = join(dir, "loop");
    mkdirSync(join(t, "1/2/3/4"), { recursive: true });
    mkdirSync(join(t, "5"));
    for (const f of ["1/a.txt", "1/2/b.txt", "1/2/3/c.txt", "1/2/3/4/d.txt"]) writeFileSync(join(t, f), "x");
    symlinkSync("../5", join(t, "5/6"));
    try {
      const found = resolveFilePattern(`${t}/%%`, GLOB_ALL).sort();
      expect(found).toEqual(findRecursive(t));
      expect(found).toEqual(
        ["1/", "1/2/", "1/2/3/", "1/2/3/4/", "1/2/3/4/d.txt", "1/2/3/c.txt", "1/2/b.txt", "1/a.txt", "5/", "5/6/"].map((p) => `${t}/${p}`),
      );
    } finally {
      rmSync(t, { recursive: true });
    }
  });

  test("a directory reached twice is entered only the first time, in readdir order", () => {
    const t = join(dir, "dup");
    mkdirSync(join(t, "real/inner"), { recursive: true });
    writeFileSync(join(t, "real/inner/f"), "x");
    symlinkSync("real", join(t, "alias"));
    try {
      const found = resolveFilePattern(`${t}/%%`, GLOB_ALL);
      // Level 1 comes from glob (sorted): alias/ is walked before real/.
      expect(found).toEqual([`${t}/alias/`, `${t}/alias/inner/`, `${t}/alias/inner/f`, `${t}/real/`]);
      expect([...found].sort()).toEqual(findRecursive(t));
    } finally {
      rmSync(t, { recursive: true });
    }
  });

  test("dotfiles below the globbed level are listed and walked", () => {
    const found = resolveFilePattern(`${dir}/%%`, GLOB_ALL);
    mkdirSync(join(dir, "a/.cache"), { recursive: true });
    writeFileSync(join(dir, "a/.cache/x"), "x");
    try {
      const after = resolveFilePattern(`${dir}/%%`, GLOB_ALL);
      expect(after).toContain(`${dir}/a/.cache/`);
      expect(after).toContain(`${dir}/a/.cache/x`);
      expect(after.filter((p) => p.startsWith(`${dir}/.`))).toEqual([]);
      expect(after.length).toBe(found.length + 2);
    } finally {
      rmSync(join(dir, "a/.cache"), { recursive: true });
    }
  });

  test("only a trailing %% recurses: %%/ and %% in the middle are one level", () => {
    expect(resolveFilePattern(`${dir}/%%/`, GLOB_ALL).sort()).toEqual(find(dir, 1).filter((p) => p.endsWith("/")));
    expect(resolveFilePattern(`${dir}/%%/one`, GLOB_ALL)).toEqual([`${dir}/a/one`]);
    expect(resolveFilePattern(`${dir}/a/%`, GLOB_ALL).sort()).toEqual(find(join(dir, "a"), 1));
    // A prefix before %% globs that level, then walks every directory it matched.
    expect(resolveFilePattern(`${dir}/ss%%`, GLOB_ALL)).toEqual([`${dir}/ssh/`, `${dir}/ssh/sshd_config`, `${dir}/ssl/`]);
    expect(resolveFilePattern(`${dir}/top%%`, GLOB_ALL)).toEqual([`${dir}/top.txt`]);
  });

  test("the fixed prefix is canonicalised unless GLOB_NO_CANON", () => {
    const link = join(dir, "via");
    symlinkSync("a/b", link);
    try {
      expect(resolveFilePattern(`${link}/%`, GLOB_ALL)).toEqual([`${dir}/a/b/c/`, `${dir}/a/b/two`]);
      expect(resolveFilePattern(`${link}/%`, GLOB_ALL | GLOB_NO_CANON)).toEqual([`${link}/c/`, `${link}/two`]);
      expect(resolveFilePattern(`${dir}/a/b/../%`, GLOB_ALL)).toEqual([`${dir}/a/b/`, `${dir}/a/one`]);
      // A prefix that does not exist cannot be resolved and stays as written.
      expect(resolveFilePattern(`${dir}/a/../ss%`, GLOB_ALL)).toEqual([`${dir}/a/../ssh/`, `${dir}/a/../ssl/`]);
    } finally {
      rmSync(link);
    }
  });

  test("mounts: same inode on two filesystems is walked twice, a bind-mounted copy once", () => {
    const t = join(dir, "mnt");
    mkdirSync(join(t, "fa"), { recursive: true });
    mkdirSync(join(t, "fb"));
    mkdirSync(join(t, "orig/sub"), { recursive: true });
    mkdirSync(join(t, "zbind"));
    writeFileSync(join(t, "orig/sub/f"), "x");
    const sql = `SELECT path FROM file WHERE path LIKE '${t}/%%'`;
    // A private mount namespace: the mounts vanish with the process.
    const script = [
      `mount -t tmpfs tmpfs '${t}/fa'`, `mount -t tmpfs tmpfs '${t}/fb'`,
      `mkdir '${t}/fa/in_a' '${t}/fb/in_b'`, `touch '${t}/fa/in_a/canary' '${t}/fb/in_b/canary'`,
      `mount --bind '${t}/orig' '${t}/zbind'`,
      `stat -c '%D:%i %n' '${t}/fa' '${t}/fb'`,
      `'${OSQ}' --json "${sql}"`,
    ].join(" && ");
    const run = Bun.spawnSync(["unshare", "-Urm", "--propagation", "private", "sh", "-c", script]);
    const err = run.stderr.toString();
    if (run.exitCode !== 0) throw new Error(`needs unshare(1) with user and mount namespaces (util-linux): ${err}`);
    try {
      const out = run.stdout.toString();
      const [fa, fb] = out.split("\n").slice(0, 2).map((l) => l.split(" ")[0]!.split(":"));
      // The case osquery's (device, inode) key exists for: both tmpfs roots are inode 1.
      expect(fa![1]).toBe(fb![1]);
      expect(fa![0]).not.toBe(fb![0]);
      const paths = (JSON.parse(out.slice(out.indexOf("["))) as { path: string }[]).map((r) => r.path).sort();
      expect(paths).toEqual([
        "fa/", "fa/in_a/", "fa/in_a/canary", "fb/", "fb/in_b/", "fb/in_b/canary",
        "orig/", "orig/sub/", "orig/sub/f", "zbind/",
      ].map((p) => `${t}/${p}`));
    } finally {
      rmSync(t, { recursive: true });
    }
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
