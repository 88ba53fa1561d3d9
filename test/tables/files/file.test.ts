// file: rows checked against stat(1) on a temp tree; =, directory and LIKE (% vs %%).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import file, { fileInfo } from "../../../tables/files/file.ts";
import { generate, query } from "../../helpers.ts";

let dir = "";

/** stat(1)'s view of one path (-L follows links, as the table does for everything but `symlink`). */
function stat(path: string, follow = true): Record<string, string> {
  const fmt = "%i|%u|%g|%a|%s|%o|%X|%Y|%Z|%W|%h|%F";
  const out = Bun.spawnSync(["stat", ...(follow ? ["-L"] : []), "-c", fmt, path]).stdout.toString().trim();
  const [inode, uid, gid, mode, size, block, atime, mtime, ctime, btime, links, type] = out.split("|") as string[];
  const types: Record<string, string> = { "regular file": "regular", "regular empty file": "regular", directory: "directory", "symbolic link": "symlink", fifo: "fifo", socket: "socket" };
  return {
    inode: inode!, uid: uid!, gid: gid!, mode: mode!.padStart(4, "0"), size: size!, block_size: block!,
    atime: atime!, mtime: mtime!, ctime: ctime!, btime: btime === "-" ? "0" : btime!, hard_links: links!, type: types[type!] ?? type!,
  };
}

function pick(row: Record<string, unknown>): Record<string, string> {
  const keys = ["inode", "uid", "gid", "mode", "size", "block_size", "atime", "mtime", "ctime", "btime", "hard_links", "type"];
  return Object.fromEntries(keys.map((k) => [k, String(row[k])]));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-file-"));
  mkdirSync(join(dir, "sub/deeper"), { recursive: true });
  writeFileSync(join(dir, "plain.txt"), "hello\n", { mode: 0o640 });
  writeFileSync(join(dir, ".hidden"), "h");
  writeFileSync(join(dir, "sub/inner.txt"), "inner");
  writeFileSync(join(dir, "sub/deeper/leaf"), "leaf");
  symlinkSync("plain.txt", join(dir, "link"));
  symlinkSync("nowhere", join(dir, "dangling"));
  Bun.spawnSync(["mkfifo", join(dir, "pipe")]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("file", () => {
  test("path = : every stat field as stat(1) reports it", async () => {
    const path = join(dir, "plain.txt");
    const rows = await generate(file, { path: [["=", path]] });
    expect(rows.length).toBe(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ path, directory: dir, filename: "plain.txt", symlink: 0, device: 0 });
    expect(pick(row)).toEqual(stat(path));
    expect(row.mode).toBe("0640");
  });

  test("symlinks: symlink=1, target text, the rest from the target", async () => {
    const [link] = await generate(file, { path: [["=", join(dir, "link")]] });
    expect(link).toMatchObject({ symlink: 1, symlink_target_path: "plain.txt", type: "regular" });
    expect(pick(link!)).toEqual(stat(join(dir, "link")));
    const [dangling] = await generate(file, { path: [["=", join(dir, "dangling")]] });
    expect(dangling).toMatchObject({ symlink: 1, symlink_target_path: "nowhere", type: "unknown" });
    expect(String(dangling!.inode)).toBe(stat(join(dir, "dangling"), false).inode ?? "");
    const [fifo] = await generate(file, { path: [["=", join(dir, "pipe")]] });
    expect(fifo!.type).toBe("fifo");
  });

  test("a missing path gives no row", async () => {
    expect(await generate(file, { path: [["=", join(dir, "missing")]] })).toEqual([]);
  });

  test("directory = lists one level, hidden entries included", async () => {
    const rows = await generate(file, { directory: [["=", dir]] });
    const ls = Bun.spawnSync(["ls", "-A", dir]).stdout.toString().split("\n").filter(Boolean).sort();
    expect(rows.map((r) => r.filename).sort()).toEqual(ls);
    expect(rows.every((r) => r.directory === dir && r.path === join(dir, String(r.filename)))).toBe(true);
  });

  test("LIKE: % stays in one level, %% recurses", async () => {
    const one = (await generate(file, { path: [["LIKE", `${dir}/%`]] })).map((r) => r.path).sort();
    const all = (await generate(file, { path: [["LIKE", `${dir}/%%`]] })).map((r) => r.path).sort();
    const find = (depth: string[]) =>
      Bun.spawnSync(["find", dir, "-mindepth", "1", ...depth, "-name", ".*", "-prune", "-o", "-printf", "%p%y\\n"]).stdout.toString()
        .split("\n").filter(Boolean).map((l) => (l.endsWith("d") ? `${l.slice(0, -1)}/` : l.slice(0, -1))).sort();
    expect(one).toEqual(find(["-maxdepth", "1"]));
    expect(all).toEqual(find([]));
    expect(all).toContain(`${dir}/sub/deeper/leaf`);
    expect(one).not.toContain(`${dir}/sub/inner.txt`);
    const [subdir] = await generate(file, { path: [["LIKE", `${dir}/su%`]] });
    expect(subdir).toMatchObject({ path: `${dir}/sub/`, filename: ".", directory: `${dir}/sub`, type: "directory" });
  });

  test("LIKE inside a level with a fixed tail", async () => {
    const rows = await generate(file, { path: [["LIKE", `${dir}/s%/inner.txt`]] });
    expect(rows.map((r) => r.path)).toEqual([`${dir}/sub/inner.txt`]);
  });

  test("pid_with_namespace reads through /proc/<pid>/root and tags rows", async () => {
    const rows = await generate(file, { path: [["=", join(dir, "plain.txt")]], pid_with_namespace: [["=", String(process.pid)]] });
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ path: join(dir, "plain.txt"), pid_with_namespace: process.pid });
    expect(String(rows[0]!.mount_namespace_id)).toMatch(/^\d+$/);
  });

  test("end to end: =, directory and LIKE through the binary", () => {
    const path = join(dir, "plain.txt");
    const [row] = query(`SELECT * FROM file WHERE path = '${path}'`);
    expect(pick(row!)).toEqual(stat(path));
    expect(query(`SELECT filename FROM file WHERE directory = '${dir}/sub' ORDER BY filename`)).toEqual([
      { filename: "deeper" },
      { filename: "inner.txt" },
    ]);
    const like = query(`SELECT path FROM file WHERE path LIKE '${dir}/%%' AND type = 'regular' ORDER BY path`).map((r) => r.path);
    // the symlink to plain.txt is "regular" too: type follows links
    expect(like).toEqual([`${dir}/link`, `${dir}/plain.txt`, `${dir}/sub/deeper/leaf`, `${dir}/sub/inner.txt`]);
  });

  test("a row asked for no stat column carries only what lstat and the name give", () => {
    const link = join(dir, "link");
    expect(fileInfo(link, dir, "", { stat: false, target: false })).toEqual({ path: link, directory: dir, filename: "link", symlink: 1, pid_with_namespace: 0 });
    expect(fileInfo(link, dir, "", { stat: false, target: true })).toMatchObject({ symlink: 1, symlink_target_path: "plain.txt" });
    expect(fileInfo(join(dir, "missing"), dir, "", { stat: false, target: false })).toBeNull();
  });

  test("through the binary, a query naming some columns gets the values select * gets", () => {
    const all = query(`SELECT * FROM file WHERE directory = '${dir}' ORDER BY path`);
    const ls = Bun.spawnSync(["ls", "-A", dir]).stdout.toString().split("\n").filter(Boolean);
    expect(all.length).toBe(ls.length);
    for (const cols of [["path", "symlink"], ["path", "type", "symlink_target_path"], ["filename", "inode", "mtime", "mode"]]) {
      const some = query(`SELECT ${cols.join(", ")} FROM file WHERE directory = '${dir}' ORDER BY path`);
      expect(some).toEqual(all.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]!]))));
    }
    expect(query(`SELECT count(*) AS n FROM file WHERE directory = '${dir}'`)).toEqual([{ n: String(ls.length) }]);
    const dangling = all.find((r) => r.filename === "dangling")!;
    expect(dangling).toMatchObject({ symlink: "1", type: "unknown", symlink_target_path: "nowhere" });
    expect(dangling.inode).toBe(stat(join(dir, "dangling"), false).inode);
  });
});
