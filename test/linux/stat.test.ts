// stat.ts: statx through libc, checked against coreutils stat(1) and, for the
// device encoding, glibc's own gnu_dev_makedev; its failures against
// node:fs's errors for the same paths.
import { afterAll, describe, expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, constants, lstatSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileTypeName, fromNode, lstatIn, lstatPath, makedev, statPath, type FileStat } from "../../src/linux/stat.ts";
import { libcStatx } from "../../src/linux/libc.ts";
import { tool } from "../tools.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-stat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** stat(1)'s fields in FileStat's shape (-L to follow links), as text. */
function coreutilsStat(path: string, follow: boolean): Record<string, string> {
  const fmt = "%i|%f|%h|%u|%g|%t|%T|%s|%o|%X|%Y|%Z|%W|%F";
  const r = Bun.spawnSync([tool("stat", "coreutils"), ...(follow ? ["-L"] : []), "-c", fmt, path]);
  if (r.exitCode !== 0) throw new Error(`stat ${path}: ${r.stderr.toString()}`);
  const [ino, modeHex, nlink, uid, gid, major, minor, size, blksize, atime, mtime, ctime, btime, type] = r.stdout.toString().trim().split("|") as string[];
  const special = type === "character special file" || type === "block special file";
  return {
    ino: ino!, mode: String(Number.parseInt(modeHex!, 16)), nlink: nlink!, uid: uid!, gid: gid!,
    rdev: special ? String(glibcMakedev(Number.parseInt(major!, 16), Number.parseInt(minor!, 16))) : "0",
    size: size!, blksize: blksize!, atime: atime!, mtime: mtime!, ctime: ctime!, btime: btime === "-" ? "0" : btime!,
  };
}

function text(st: FileStat): Record<string, string> {
  return Object.fromEntries(Object.entries(st).map(([k, v]) => [k, String(v)]));
}

let glibc: ((major: number, minor: number) => bigint) | undefined;
/** glibc's makedev, the reference for st_rdev's encoding. */
function glibcMakedev(major: number, minor: number): bigint {
  glibc ??= dlopen("libc.so.6", { gnu_dev_makedev: { args: [FFIType.u32, FFIType.u32], returns: FFIType.u64 } }).symbols.gnu_dev_makedev as (a: number, b: number) => bigint;
  return glibc(major, minor);
}

describe("stat through statx", () => {
  test("statx is bound on this glibc (else every call falls back to node:fs and this file tests nothing new)", () => {
    expect(libcStatx()).not.toBeNull();
  });

  test("regular file, directory, fifo, character device: every field as stat(1) prints it", () => {
    const file = join(dir, "plain");
    writeFileSync(file, "x".repeat(1234), { mode: 0o4751 });
    Bun.spawnSync([tool("mkfifo", "coreutils"), join(dir, "fifo")]);
    for (const path of [file, dir, join(dir, "fifo"), "/dev/null", "/"]) {
      expect({ path, ...text(lstatPath(path)) }).toEqual({ path, ...coreutilsStat(path, false) });
      expect({ path, ...text(statPath(path)) }).toEqual({ path, ...coreutilsStat(path, true) });
      // node:fs's answer, what a libc without statx gets, in the same shape.
      expect({ path, ...text(fromNode(lstatSync(path, { bigint: true }))) }).toEqual({ path, ...coreutilsStat(path, false) });
    }
    expect(fileTypeName(lstatPath(file).mode)).toBe("regular");
    expect(fileTypeName(lstatPath(join(dir, "fifo")).mode)).toBe("fifo");
    expect(fileTypeName(lstatPath("/dev/null").mode)).toBe("character");
    expect(fileTypeName(lstatPath(dir).mode)).toBe("directory");
  });

  test("a symlink: lstat sees the link, stat its target; by a directory descriptor too", () => {
    const target = join(dir, "target");
    writeFileSync(target, "target");
    symlinkSync("target", join(dir, "link"));
    const link = join(dir, "link");
    expect(text(lstatPath(link))).toEqual(coreutilsStat(link, false));
    expect(fileTypeName(lstatPath(link).mode)).toBe("symlink");
    expect(text(statPath(link))).toEqual(coreutilsStat(link, true));
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      expect(text(lstatIn(fd, "link", link))).toEqual(coreutilsStat(link, false));
      expect(text(lstatIn(fd, "target", target))).toEqual(coreutilsStat(target, false));
    } finally {
      closeSync(fd);
    }
  });

  test("times before 1970 are whole seconds rounded down, as tv_sec (and stat(1)) hold them", () => {
    const old = join(dir, "old");
    writeFileSync(old, "");
    expect(Bun.spawnSync([tool("touch", "coreutils"), "-d", "1960-01-01 00:00:00.5", old]).exitCode).toBe(0);
    expect(lstatPath(old).mtime).toBe(Number(coreutilsStat(old, false).mtime));
    expect(lstatPath(old).mtime).toBe(-315619200);
    expect(fromNode(lstatSync(old, { bigint: true })).mtime).toBe(-315619200);
  });

  test("failures throw node:fs's own errors", () => {
    symlinkSync("nowhere", join(dir, "dangling"));
    const expectSame = (path: string, ours: () => unknown, theirs: () => unknown) => {
      let code: unknown = "no error";
      try {
        theirs();
      } catch (e) {
        code = (e as NodeJS.ErrnoException).code;
      }
      expect(code).not.toBe("no error");
      expect(ours).toThrow(expect.objectContaining({ code }) as unknown as Error);
    };
    expectSame("dangling", () => statPath(join(dir, "dangling")), () => lstatSync(join(dir, "dangling/x")));
    expectSame("missing", () => lstatPath(join(dir, "missing")), () => lstatSync(join(dir, "missing")));
    expectSame("not a directory", () => lstatPath(join(dir, "plain/x")), () => lstatSync(join(dir, "plain/x")));
    expectSame("NUL in the path", () => lstatPath(`${dir}/pl\0ain`), () => lstatSync(`${dir}/pl\0ain`));
    expectSame("too long", () => lstatPath(`${dir}/${"a/".repeat(3000)}`), () => lstatSync(`${dir}/${"a/".repeat(3000)}`));
    expect(text(lstatPath(join(dir, "dangling")))).toEqual(coreutilsStat(join(dir, "dangling"), false));
  });

  test("makedev encodes as glibc does, past 12-bit majors and 8-bit minors too", () => {
    for (const [major, minor] of [[0, 0], [1, 3], [10, 259], [4095, 255], [4096, 0], [259, 1048575], [0xfffff, 0xfffff], [0xffffffff, 0xffffffff]] as const) {
      expect({ major, minor, dev: BigInt(makedev(major, minor)) }).toEqual({ major, minor, dev: glibcMakedev(major, minor) });
    }
  });
});
