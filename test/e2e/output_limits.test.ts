// Output a reader stops reading (`osqueryi ... | head -1`) and output too big
// for argument spreads: through the compiled shell, as a user pipes it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSQUERYI } from "../helpers.ts";

/** Far more than a pipe buffer (64 KiB) in every mode, so the writer meets the closed pipe. */
const MANY_ROWS = "with recursive c(x) as (select 1 union all select x+1 from c where x < 100000) select x from c";
const MILLION_ROWS = "with recursive c(x) as (select 1 union all select x+1 from c where x < 1100000) select x from c";

// The script is fixed; the binary, its mode flag, the SQL and the status file
// arrive as positional parameters, never inside the command string.
const PIPE_TO_HEAD = '("$0" $1 "$2"; echo $? > "$3") | head -1';

let dir: string;
beforeAll(() => {
  if (!existsSync(OSQUERYI)) throw new Error("dist/osqueryi is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "osq-pipe-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pipeToHead(mode: string, sql: string): { firstLine: string; stderr: string; status: number } {
  const statusFile = join(dir, `status-${mode.replace(/\W/g, "") || "pretty"}`);
  const r = Bun.spawnSync(["sh", "-c", PIPE_TO_HEAD, OSQUERYI, mode, sql, statusFile], { stdin: "ignore" });
  if (!existsSync(statusFile)) throw new Error(`sh did not run osqueryi: ${r.stderr.toString()}`);
  return { firstLine: r.stdout.toString(), stderr: r.stderr.toString(), status: Number(readFileSync(statusFile, "utf8").trim()) };
}

describe("a reader that closes after one line", () => {
  test.each([
    ["--header=true", "+--------+\n"],
    ["--csv", "x\n"],
    ["--json", "[\n"],
    ["--line", "    x = 1\n"],
  ])("%s: no error text, the status a SIGPIPE death leaves (141)", (mode, first) => {
    const r = pipeToHead(mode, MANY_ROWS);
    expect(r.stderr).toBe("");
    expect(r.firstLine).toBe(first);
    expect(r.status).toBe(141);
  });
});

describe("a million rows", () => {
  test("pretty mode prints all 1,100,000 rows with the header and borders", () => {
    const r = Bun.spawnSync([OSQUERYI, MILLION_ROWS], { stdin: "ignore" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const out = r.stdout.toString();
    const lines = out.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(1_100_000 + 4);
    expect(lines.slice(0, 3)).toEqual(["+---------+", "| x       |", "+---------+"]);
    expect(lines.slice(-2)).toEqual(["| 1100000 |", "+---------+"]);
  }, 120_000);
});
