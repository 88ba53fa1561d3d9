import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseShellHistory } from "../../../tables/accounts/shell_history.ts";
import { tool } from "../../tools.ts";
import { rootHomeFixture, type HomeFixture } from "../../home_fixture.ts";
import { MARKER, run } from "./fixtures.ts";

let fx: HomeFixture;
let home = "";
// A fully timestamped bash history (HISTTIMEFORMAT set), so bash itself reads it the same way.
const BASH = `#1700000000\nls -la ${MARKER}\n#1700000005\necho "two  spaces"\n#1700000010\n#not-a-time\n`;
const ZSH = `: 1700000100:0;git status ${MARKER}\n:  1700000200:12;make \\\nplain ${MARKER}\n\n: bad:0;x`;
const SESSION = `${MARKER} session command\n`;

// shell_history has no pid_with_namespace (as in osquery): the binary runs inside the fixture namespace.
beforeAll(async () => {
  fx = await rootHomeFixture((h) => {
    writeFileSync(join(h, ".sh_history"), BASH, { mode: 0o600 });
    writeFileSync(join(h, ".ash_history"), ZSH, { mode: 0o600 });
    mkdirSync(join(h, ".bash_sessions"));
    writeFileSync(join(h, ".bash_sessions", `${MARKER}.history`), SESSION, { mode: 0o600 });
    writeFileSync(join(h, ".bash_sessions", `${MARKER}.historyold`), "not read\n", { mode: 0o600 });
  }, [".sh_history", ".ash_history", ".bash_sessions"]);
  home = fx.home;
});
afterAll(() => fx?.cleanup());

/** bash's own reading of a history file: `history` with HISTTIMEFORMAT=%s. */
function bashHistory(file: string): { time: string; command: string }[] {
  const script = 'HISTFILE="$1"; HISTTIMEFORMAT="%s|"; set -o history; history -c; history -r; history';
  return run([tool("bash", "bash"), "-c", script, "bash", file]).stdout.split("\n").filter(Boolean).map((l) => {
    const m = /^\s*\d+\s+(\d+)\|(.*)$/.exec(l)!;
    return { time: m[1]!, command: m[2]! };
  });
}

describe("shell_history", () => {
  test("bash timestamps agree with bash's own history reader", () => {
    const rows = fx.select("SELECT uid, time, command, history_file FROM shell_history WHERE uid = 0").filter((r) => r.history_file === `${home}/.sh_history`);
    const bash = bashHistory(fx.local(`${home}/.sh_history`));
    expect(bash.length).toBe(3);
    expect(rows.map((r) => ({ time: r.time, command: r.command }))).toEqual(bash);
    expect(rows.every((r) => r.uid === "0")).toBe(true);
  });

  test("zsh extended history, empty lines and untimed lines", () => {
    const rows = fx.select("SELECT time, command, history_file FROM shell_history").filter((r) => r.history_file === `${home}/.ash_history`);
    expect(rows.map((r) => [r.time, r.command])).toEqual([
      ["1700000100", `git status ${MARKER}`],
      ["1700000200", "make \\"],
      ["0", `plain ${MARKER}`],
      ["0", ""],
      ["0", ": bad:0;x"],
    ]);
  });

  test("~/.bash_sessions/*.history files come after the history files", () => {
    const rows = fx.select("SELECT command, history_file FROM shell_history");
    const last = rows[rows.length - 1]!;
    expect([last.history_file, last.command]).toEqual([`${home}/.bash_sessions/${MARKER}.history`, `${MARKER} session command`]);
    expect(rows.some((r) => String(r.history_file).endsWith(".historyold"))).toBe(false);
  });

  test("parser: a timestamp line dates the next line whatever it is", () => {
    expect(parseShellHistory("#1\n#2\n#3\ncmd\n")).toEqual([
      { time: "1", command: "#2" },
      { time: "3", command: "cmd" },
    ]);
    expect(parseShellHistory("a\r\n: 5:0;b\r\n")).toEqual([
      { time: "0", command: "a\r" },
      { time: "0", command: ": 5:0;b\r" },
    ]);
    expect(parseShellHistory("")).toEqual([]);
  });

  test("e2e: SELECT * FROM shell_history", () => {
    const rows = fx.select(`SELECT * FROM shell_history WHERE uid = 0 AND command LIKE '%${MARKER}%'`);
    expect(rows.map((r) => [r.time, r.command, r.history_file])).toEqual([
      ["1700000000", `ls -la ${MARKER}`, `${home}/.sh_history`],
      ["1700000100", `git status ${MARKER}`, `${home}/.ash_history`],
      ["0", `plain ${MARKER}`, `${home}/.ash_history`],
      ["0", `${MARKER} session command`, `${home}/.bash_sessions/${MARKER}.history`],
    ]);
  });
});
