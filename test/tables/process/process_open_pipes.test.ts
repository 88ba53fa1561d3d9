// process_open_pipes: the pipe of a shell pipeline (`sleep | sleep`) and a
// FIFO held open read/write, found with their partners.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import processOpenPipes, { modeFromBits, pairPipes, type PipeEnd } from "../../../tables/process/process_open_pipes.ts";
import { generate, query } from "../../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "osq-pipes-"));
const fifo = join(dir, "fifo");
let fifoFd = -1;
let shell: ReturnType<typeof Bun.spawn>;
let writer = 0;
let reader = 0;

function link(pid: number, fd: number): string {
  return Bun.spawnSync(["readlink", `/proc/${pid}/fd/${fd}`]).stdout.toString().trim();
}

beforeAll(async () => {
  Bun.spawnSync(["mkfifo", fifo]);
  fifoFd = openSync(fifo, "r+"); // O_RDWR never blocks on a FIFO
  // Bun connects a child's stdio with socketpairs, so a real pipe comes from a shell.
  shell = Bun.spawn(["sh", "-c", "sleep 61 | sleep 62"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 50 && (writer === 0 || reader === 0); i++) {
    await Bun.sleep(20);
    const kids = Bun.spawnSync(["pgrep", "-P", String(shell.pid)]).stdout.toString().trim().split("\n").map(Number);
    for (const k of kids) {
      const args = Bun.spawnSync(["ps", "-o", "args=", "-p", String(k)]).stdout.toString().trim();
      if (args === "sleep 61") writer = k;
      if (args === "sleep 62") reader = k;
    }
  }
});
afterAll(() => {
  if (writer) process.kill(writer);
  if (reader) process.kill(reader);
  shell.kill();
  closeSync(fifoFd);
  rmSync(dir, { recursive: true, force: true });
});

describe("process_open_pipes", () => {
  test("generator: the reader's stdin is paired with the writer's stdout", async () => {
    expect(writer).toBeGreaterThan(0);
    expect(reader).toBeGreaterThan(0);
    const rows = await generate(processOpenPipes);
    const stdin = rows.filter((r) => r.pid === reader && r.fd === 0);
    expect(stdin).toEqual([
      { pid: reader, fd: 0, mode: "r", inode: Number(/\d+/.exec(link(reader, 0))?.[0]), type: "anonymous", partner_pid: writer, partner_fd: 1, partner_mode: "w" },
    ]);
    expect(link(writer, 1)).toBe(link(reader, 0));
    const stdout = rows.filter((r) => r.pid === writer && r.fd === 1);
    expect(stdout).toEqual([
      { pid: writer, fd: 1, mode: "w", inode: stdin[0]?.inode, type: "anonymous", partner_pid: reader, partner_fd: 0, partner_mode: "r" },
    ]);
  });

  test("generator: the FIFO held read/write is a named pipe with its inode", async () => {
    const rows = await generate(processOpenPipes);
    const mine = rows.filter((r) => r.pid === process.pid && r.fd === fifoFd);
    expect(mine).toEqual([{ pid: process.pid, fd: fifoFd, mode: "rw", inode: statSync(fifo).ino, type: "named" }]);
  });

  test("pairing rules", () => {
    const end = (pid: number, fd: number, mode: string, inode: number): PipeEnd => ({ pid, fd, mode, inode, type: "anonymous" });
    const a = end(1, 3, "r", 7), b = end(2, 4, "w", 7), c = end(2, 5, "w", 7), lone = end(3, 1, "w", 8);
    const rows = pairPipes([a, b, c, lone]);
    expect(rows).toEqual([
      { pid: 1, fd: 3, mode: "r", inode: 7, type: "anonymous", partner_pid: 2, partner_fd: 4, partner_mode: "w" },
      { pid: 1, fd: 3, mode: "r", inode: 7, type: "anonymous", partner_pid: 2, partner_fd: 5, partner_mode: "w" },
      { pid: 2, fd: 4, mode: "w", inode: 7, type: "anonymous", partner_pid: 1, partner_fd: 3, partner_mode: "r" },
      { pid: 2, fd: 5, mode: "w", inode: 7, type: "anonymous", partner_pid: 1, partner_fd: 3, partner_mode: "r" },
      { pid: 3, fd: 1, mode: "w", inode: 8, type: "anonymous" },
    ]);
    expect(modeFromBits(0o500)).toBe("r");
    expect(modeFromBits(0o300)).toBe("w");
    expect(modeFromBits(0o700)).toBe("rw");
  });

  test("end to end", () => {
    const rows = query(`SELECT mode, type, partner_fd, partner_mode FROM process_open_pipes WHERE pid = ${reader} AND fd = 0 AND partner_pid = ${writer}`);
    expect(rows).toEqual([{ mode: "r", type: "anonymous", partner_fd: "1", partner_mode: "w" }]);
  });
});
