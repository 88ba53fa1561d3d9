// Flagfiles that include each other, through the compiled binary: a cycle is
// a bad flag (one ERROR line, exit 1) instead of a hang with growing memory;
// the same file reached along two paths (a diamond) is still read.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYD, OSQUERYI } from "../helpers.ts";

let dir: string;
beforeAll(() => {
  if (!existsSync(OSQUERYI)) throw new Error("dist/osqueryi is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "osq-flagfile-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flagfile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/** Runs a role with a deadline: the bug this guards against is a hang. */
function run(bin: string, args: string[]): { code: number | null; stdout: string; stderr: string; killed: boolean } {
  const r = Bun.spawnSync([bin, ...args], { stdin: "ignore", timeout: 10_000 });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString(), killed: r.exitCode === null };
}

describe("flagfile cycles", () => {
  test("a flagfile that includes itself is refused with one line and exit 1", () => {
    const self = join(dir, "self.flags");
    flagfile("self.flags", ["--csv", `--flagfile=${self}`]);
    const r = run(OSQUERYI, [`--flagfile=${self}`, "select 1 as a"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`ERROR: flagfile '${self}' is included again by '${self}' (a flagfile cycle)\n`);
  });

  test("A includes B includes A: refused, naming the file that closes the cycle", () => {
    const a = join(dir, "a.flags");
    const b = flagfile("b.flags", ["--separator=+", `--flagfile=${a}`]);
    flagfile("a.flags", ["--csv", `--flagfile=${b}`]);
    const r = run(OSQUERYI, ["--flagfile", a, "select 1 as a"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ERROR: flagfile '${a}' is included again by '${b}' (a flagfile cycle)\n`);
  });

  test("a symlink back to the including file is the same file", () => {
    const real = join(dir, "real.flags");
    const link = join(dir, "link.flags");
    symlinkSync(real, link);
    flagfile("real.flags", [`--flagfile=${link}`]);
    const r = run(OSQUERYI, [`--flagfile=${real}`, "select 1 as a"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(a flagfile cycle)");
  });

  test("osqueryd refuses the cycle the same way", () => {
    const self = join(dir, "daemon.flags");
    flagfile("daemon.flags", [`--flagfile=${self}`]);
    const r = run(OSQUERYD, [`--flagfile=${self}`, `--database_path=${join(dir, "db")}`]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ERROR: flagfile '${self}' is included again by '${self}' (a flagfile cycle)\n`);
  });

  test("a diamond (top includes left and right, both include one file) still applies every flag", () => {
    const shared = flagfile("shared.flags", ["--csv"]);
    const left = flagfile("left.flags", [`--flagfile=${shared}`]);
    const right = flagfile("right.flags", [`--flagfile=${shared}`, "--separator=+"]);
    const top = flagfile("top.flags", [`--flagfile=${left}`, `--flagfile=${right}`]);
    const r = run(OSQUERYI, [`--flagfile=${top}`, "select 1 as a, 2 as b"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("a+b\n1+2\n");
  });

  test("includes that multiply without a cycle stop at the read limit", () => {
    // Each level names the next one twice: 2^20 reads without a limit.
    for (let level = 20; level >= 0; level--) {
      const next = join(dir, `fan${level + 1}.flags`);
      flagfile(`fan${level}.flags`, level === 20 ? ["--csv"] : [`--flagfile=${next}`, `--flagfile=${next}`]);
    }
    const r = run(OSQUERYI, [`--flagfile=${join(dir, "fan0.flags")}`, "select 1 as a"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ERROR: more than 1000 flagfiles included\n");
  });
});
