// hash: digests checked against md5sum/sha1sum/sha256sum; path, directory and LIKE.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hash, { hashFile } from "../../../tables/files/hash.ts";
import { generate, query } from "../../helpers.ts";
import { Op, QueryContext } from "../../../src/table.ts";

let dir = "";

function sum(tool: string, path: string): string {
  return Bun.spawnSync([tool, path]).stdout.toString().split(" ")[0] ?? "";
}
function sums(path: string) {
  return { md5: sum("md5sum", path), sha1: sum("sha1sum", path), sha256: sum("sha256sum", path) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "osq-hash-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "text"), "the quick brown fox\n");
  writeFileSync(join(dir, "empty"), "");
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  writeFileSync(join(dir, "big.bin"), big);
  writeFileSync(join(dir, "sub/nested"), "nested");
  symlinkSync("text", join(dir, "link"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hash", () => {
  test("path = : all three digests match the coreutils tools", async () => {
    for (const name of ["text", "empty", "big.bin"]) {
      const path = join(dir, name);
      expect(await generate(hash, { path: [["=", path]] })).toEqual([{ path, directory: dir, ...sums(path), pid_with_namespace: 0 }]);
    }
  });

  test("directories are skipped; links are hashed as their target", async () => {
    expect(await generate(hash, { path: [["=", join(dir, "sub")]] })).toEqual([]);
    const [link] = await generate(hash, { path: [["=", join(dir, "link")]] });
    expect(link!.sha256).toBe(sums(join(dir, "text")).sha256);
  });

  test("directory = hashes the regular files one level down", async () => {
    const rows = await generate(hash, { directory: [["=", dir]] });
    expect(rows.map((r) => r.path).sort()).toEqual(["big.bin", "empty", "link", "text"].map((n) => join(dir, n)));
    for (const r of rows) expect(r.sha256).toBe(sums(String(r.path)).sha256);
  });

  test("LIKE %% reaches nested files", async () => {
    const rows = await generate(hash, { path: [["LIKE", `${dir}/%%`]] });
    expect(rows.map((r) => r.path)).toContain(join(dir, "sub/nested"));
    expect(rows.find((r) => r.path === join(dir, "sub/nested"))!.md5).toBe(sums(join(dir, "sub/nested")).md5);
  });

  test("files over read_max get empty digests", () => {
    expect(hashFile(join(dir, "big.bin"), 1024)).toEqual({ md5: "", sha1: "", sha256: "" });
    expect(hashFile(join(dir, "missing"))).toEqual({ md5: "", sha1: "", sha256: "" });
  });

  test("a zero-size (special) file exactly read_max long is still hashed", () => {
    // osquery refuses a read only once it has read more than read_max bytes.
    const path = `/proc/${process.pid}/cmdline`;
    const length = readFileSync(path).length;
    expect(length, "this test needs a non-empty /proc/<pid>/cmdline").toBeGreaterThan(0);
    expect(hashFile(path, length)).toEqual(sums(path));
    expect(hashFile(path, length - 1)).toEqual({ md5: "", sha1: "", sha256: "" });
  });

  test("--read_max decides which files are too large", () => {
    const path = join(dir, "text");
    const sql = `SELECT path, md5 FROM hash WHERE path = '${path}'`;
    expect(query(sql, ["--read_max=10"])).toEqual([{ path, md5: "" }]);
    expect(query(sql, ["--read_max=20"])).toEqual([{ path, md5: sums(path).md5 }]);
  });

  test("end to end through the binary", () => {
    const path = join(dir, "text");
    expect(query(`SELECT md5, sha1, sha256 FROM hash WHERE path = '${path}'`)).toEqual([sums(path)]);
    expect(query(`SELECT path FROM hash WHERE directory = '${dir}/sub'`)).toEqual([{ path: join(dir, "sub/nested") }]);
  });

  test("only the digests the query reads are computed", async () => {
    const path = join(dir, "big.bin");
    expect(hashFile(path, 50 * 1024 * 1024, ["sha256"])).toEqual({ sha256: sums(path).sha256 });
    expect(hashFile(path, 1024, ["md5", "sha1"])).toEqual({ md5: "", sha1: "" });
    expect(hashFile(path, 50 * 1024 * 1024, [])).toEqual({});
    const ctx = new QueryContext(new Map([["directory", [{ op: Op.EQUALS, expr: dir }]]]), new Set(["directory", "sha1"]));
    const rows = await hash.generate(ctx);
    expect(rows.map((r) => Object.keys(r).sort().join(","))).toEqual(Array(4).fill("directory,path,pid_with_namespace,sha1"));
    for (const r of rows) expect(r.sha1).toBe(sums(String(r.path)).sha1);
  });

  test("through the binary, each digest column alone matches its coreutils tool", () => {
    const files = ["big.bin", "empty", "link", "text"].map((n) => join(dir, n));
    for (const [column, tool] of [["md5", "md5sum"], ["sha1", "sha1sum"], ["sha256", "sha256sum"]] as const) {
      expect(query(`SELECT path, ${column} FROM hash WHERE directory = '${dir}' ORDER BY path`)).toEqual(files.map((path) => ({ path, [column]: sum(tool, path) })));
    }
    expect(query(`SELECT path FROM hash WHERE directory = '${dir}' ORDER BY path`)).toEqual(files.map((path) => ({ path })));
  });
});
