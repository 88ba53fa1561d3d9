// process_open_files: a file this test opens appears under its pid and fd;
// the fd set matches `ls /proc/<pid>/fd` minus sockets, pipes, anon inodes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import processOpenFiles, { isFileDescriptor } from "../../../tables/process/process_open_files.ts";
import { generate, query } from "../../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-pof-"));
const file = join(dir, "held open.txt");
let fd = -1;

beforeAll(() => {
  writeFileSync(file, "x");
  fd = openSync(file, "r");
});
afterAll(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

describe("process_open_files", () => {
  test("generator: the open file is listed with its fd", async () => {
    const rows = await generate(processOpenFiles, { pid: [["=", String(process.pid)]] });
    expect(rows).toContainEqual({ pid: process.pid, fd, path: file });
  });

  test("rows come in fd text order, each pid once, as osquery's string-keyed set and map give them", async () => {
    // fds 0..12 open in a shell, so text order (0, 1, 10, 11, 12, 2, ...) differs from numeric
    const script = "import os,time\nfor n in range(3, 13): os.dup2(0, n)\nprint('ready', flush=True)\ntime.sleep(30)";
    const child = Bun.spawn(["python3", "-c", script], { stdin: Bun.file(file), stdout: "pipe", stderr: "ignore" });
    try {
      await child.stdout.getReader().read(); // "ready": the fds are open
      const listed = Bun.spawnSync(["ls", "-1", `/proc/${child.pid}/fd`]).stdout.toString().split("\n").filter(Boolean);
      expect(listed).toContain("12");
      const rows = query(`SELECT fd FROM process_open_files WHERE pid IN (${child.pid}, ${child.pid}) AND path = '${file}'`);
      const fds = listed.filter((fd) => Bun.spawnSync(["readlink", `/proc/${child.pid}/fd/${fd}`]).stdout.toString().trim() === file).sort();
      expect(rows.map((r) => r.fd)).toEqual(fds);
    } finally {
      child.kill();
    }
  });

  test("generator: fds agree with ls -l /proc/<pid>/fd", async () => {
    const child = Bun.spawn(["sleep", "30"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await Bun.sleep(50);
      const ls = Bun.spawnSync(["ls", "-l", `/proc/${child.pid}/fd`]).stdout.toString();
      const expected = ls
        .split("\n")
        .map((l) => /\s(\d+) -> (.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null && isFileDescriptor(m[2] ?? ""))
        .map((m) => ({ pid: child.pid, fd: Number(m[1]), path: m[2] }));
      const rows = await generate(processOpenFiles, { pid: [["=", String(child.pid)]] });
      expect(rows.sort((a, b) => Number(a.fd) - Number(b.fd))).toEqual(expected.sort((a, b) => a.fd - b.fd));
      expect(rows.some((r) => r.path === "/dev/null")).toBe(true);
    } finally {
      child.kill();
    }
  });

  test("sockets, pipes and anonymous inodes are not files", () => {
    expect(isFileDescriptor("socket:[123]")).toBe(false);
    expect(isFileDescriptor("pipe:[9]")).toBe(false);
    expect(isFileDescriptor("anon_inode:[eventfd]")).toBe(false);
    expect(isFileDescriptor("/etc/hosts")).toBe(true);
  });

  test("end to end", () => {
    const rows = query(`SELECT fd, path FROM process_open_files WHERE pid = ${process.pid} AND fd = ${fd}`);
    expect(rows).toEqual([{ fd: String(fd), path: file }]);
  });
});
