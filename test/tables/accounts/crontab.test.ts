import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import crontab, { CRON_DIRS, parseCrontab, SYSTEM_CRONTAB } from "../../../tables/accounts/crontab.ts";
import { generate, query } from "../../helpers.ts";
import { Janitor, MARKER, run } from "./fixtures.ts";

const janitor = new Janitor();
const file = `/etc/cron.d/${MARKER}`;
const hidden = `/etc/cron.d/.${MARKER}`;

beforeAll(() => {
  janitor.write(file, [
    "SHELL=/bin/sh",
    "# m h dom mon dow user command",
    `*/5  * * * *\troot   /usr/bin/${MARKER} --flag   "a  b"`,
    `@reboot root /usr/bin/${MARKER}-boot`,
    "",
    "  30 2 1 JAN,JUL mon-fri nobody true  ",
  ].join("\n") + "\n", 0o644);
  janitor.write(hidden, `* * * * * root /bin/${MARKER}-hidden\n`, 0o644);
});
afterAll(() => janitor.cleanup());

/**
 * An independent reading with awk over the same files: the files osquery
 * lists (the system crontab, then each directory's visible entries sorted),
 * every non-comment line with a command field.
 */
function awkJobs(): string[] {
  const files = existsSync(SYSTEM_CRONTAB) ? [SYSTEM_CRONTAB] : [];
  for (const d of CRON_DIRS) {
    const ls = run(["find", d, "-maxdepth", "1", "-mindepth", "1", "!", "-type", "d", "!", "-name", ".*"]).stdout;
    files.push(...ls.split("\n").filter(Boolean).sort());
  }
  const prog = '$1 !~ /^#/ && (($1 ~ /^@/ && NF >= 2) || NF >= 6) { print FILENAME "|" $0 }';
  return run(["awk", prog, ...files]).stdout.split("\n").filter(Boolean).map((l) => {
    const [f, line] = [l.slice(0, l.indexOf("|")), l.slice(l.indexOf("|") + 1)];
    const w = line.trim().split(/[ \t]+/);
    return `${f}|${w[0]!.startsWith("@") ? w.slice(1).join(" ") : w.slice(5).join(" ")}`;
  });
}

describe("crontab", () => {
  test("fixture file: schedule fields, @events, collapsed command words", async () => {
    const rows = (await generate(crontab)).filter((r) => r.path === file);
    expect(rows).toEqual([
      { minute: "*/5", hour: "*", day_of_month: "*", month: "*", day_of_week: "*", command: `root /usr/bin/${MARKER} --flag "a b"`, path: file, pid_with_namespace: 0 },
      { event: "@reboot", command: `root /usr/bin/${MARKER}-boot`, path: file, pid_with_namespace: 0 },
      { minute: "30", hour: "2", day_of_month: "1", month: "JAN,JUL", day_of_week: "mon-fri", command: "nobody true", path: file, pid_with_namespace: 0 },
    ]);
  });

  test("every job on the host agrees with an awk reading of the same files", async () => {
    const rows = await generate(crontab);
    expect(rows.map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs());
    expect(rows.some((r) => String(r.command).includes(`${MARKER}-hidden`))).toBe(false);
  });

  test("pid_with_namespace reads through the process's root and stamps its pid", async () => {
    const host = await generate(crontab);
    const ns = await generate(crontab, { pid_with_namespace: [["=", String(process.pid)]] });
    expect<unknown>(ns.map((r) => ({ ...r, pid_with_namespace: 0 }))).toEqual(host);
    expect(ns.every((r) => r.pid_with_namespace === process.pid)).toBe(true);
  });

  test("parser: variables and short lines are skipped", () => {
    expect(parseCrontab("MAILTO=root\n1 2 3 4 5\n@daily\n@hourly run\n")).toEqual([{ event: "@hourly", command: "run" }]);
  });

  test("e2e: SELECT * FROM crontab", () => {
    const rows = query(`SELECT * FROM crontab WHERE path = '${file}'`);
    expect(rows.map((r) => [r.event, r.minute, r.command])).toEqual([
      ["", "*/5", `root /usr/bin/${MARKER} --flag "a b"`],
      ["@reboot", "", `root /usr/bin/${MARKER}-boot`],
      ["", "30", "nobody true"],
    ]);
    expect(query("SELECT path, command FROM crontab").map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs());
  });
});
