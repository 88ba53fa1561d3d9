import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import crontab, { parseCrontab } from "../../../tables/accounts/crontab.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { holdMountNamespace, overlay, sh, type NamespaceHolder } from "../../mount_namespace.ts";
import { MARKER, run } from "./fixtures.ts";

const file = `/etc/cron.d/${MARKER}`;
// The files osquery reads: the system crontab, then these directories.
const SYSTEM_CRONTAB = "/etc/crontab";
const CRON_DIRS = ["/etc/cron.d/", "/var/at/tabs/", "/var/spool/cron/", "/var/spool/cron/crontabs/"];
const tmp = mkdtempSync(join(tmpdir(), "osq-cron-"));
let ns: NamespaceHolder;

// The fixture lives in /etc/cron.d only inside a private mount namespace; the
// generator reads it through /proc/<pid>/root (pid_with_namespace) and the
// binary runs inside it, so the real /etc/cron.d is never written.
beforeAll(async () => {
  mkdirSync(join(tmp, "cron.d"));
  writeFileSync(join(tmp, "cron.d", MARKER), [
    "SHELL=/bin/sh",
    "# m h dom mon dow user command",
    `*/5  * * * *\troot   /usr/bin/${MARKER} --flag   "a  b"`,
    `@reboot root /usr/bin/${MARKER}-boot`,
    "",
    "  30 2 1 JAN,JUL mon-fri nobody true  ",
  ].join("\n") + "\n", { mode: 0o644 });
  writeFileSync(join(tmp, "cron.d", `.${MARKER}`), `* * * * * root /bin/${MARKER}-hidden\n`, { mode: 0o644 });
  ns = await holdMountNamespace([...overlay("/etc", join(tmp, "overlay")), "mkdir -p /etc/cron.d", `cp -a ${sh(join(tmp, "cron.d"))}/. /etc/cron.d/`]);
});
afterAll(() => {
  ns?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const inNs = () => ({ pid_with_namespace: [["=", String(ns.pid)]] as [string, string][] });

/**
 * An independent reading with awk over the same files: the files osquery
 * lists (the system crontab, then each directory's visible entries sorted),
 * every non-comment line with a command field.
 */
function awkJobs(root = ""): string[] {
  const files = existsSync(root + SYSTEM_CRONTAB) ? [root + SYSTEM_CRONTAB] : [];
  for (const d of CRON_DIRS) {
    if (!existsSync(root + d)) continue;
    const ls = run(["find", root + d, "-maxdepth", "1", "-mindepth", "1", "!", "-type", "d", "!", "-name", ".*"]).stdout;
    files.push(...ls.split("\n").filter(Boolean).sort());
  }
  const prog = '$1 !~ /^#/ && (($1 ~ /^@/ && NF >= 2) || NF >= 6) { print FILENAME "|" $0 }';
  return run(["awk", prog, ...files]).stdout.split("\n").filter(Boolean).map((l) => {
    const [f, line] = [l.slice(0, l.indexOf("|")), l.slice(l.indexOf("|") + 1)];
    const w = line.trim().split(/[ \t]+/);
    return `${f.slice(root.length)}|${w[0]!.startsWith("@") ? w.slice(1).join(" ") : w.slice(5).join(" ")}`;
  });
}

describe("crontab", () => {
  test("fixture file: schedule fields, @events, collapsed command words", async () => {
    const rows = (await generate(crontab, inNs())).filter((r) => r.path === file);
    const pid = ns.pid;
    expect(rows).toEqual([
      { minute: "*/5", hour: "*", day_of_month: "*", month: "*", day_of_week: "*", command: `root /usr/bin/${MARKER} --flag "a b"`, path: file, pid_with_namespace: pid },
      { event: "@reboot", command: `root /usr/bin/${MARKER}-boot`, path: file, pid_with_namespace: pid },
      { minute: "30", hour: "2", day_of_month: "1", month: "JAN,JUL", day_of_week: "mon-fri", command: "nobody true", path: file, pid_with_namespace: pid },
    ]);
  });

  test("every job agrees with an awk reading of the same files, in the namespace and on the host", async () => {
    const rows = await generate(crontab, inNs());
    expect(rows.map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs(`/proc/${ns.pid}/root`));
    expect(rows.filter((r) => r.path === file).length).toBe(3);
    expect(rows.some((r) => String(r.command).includes(`${MARKER}-hidden`))).toBe(false);
    expect((await generate(crontab)).map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs());
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

  test("e2e: SELECT * FROM crontab, the binary running in the namespace", () => {
    const rows = JSON.parse(ns.run([OSQUERYI, "--json", `SELECT * FROM crontab WHERE path = '${file}'`])) as Record<string, string>[];
    expect(rows.map((r) => [r.event, r.minute, r.command])).toEqual([
      ["", "*/5", `root /usr/bin/${MARKER} --flag "a b"`],
      ["@reboot", "", `root /usr/bin/${MARKER}-boot`],
      ["", "30", "nobody true"],
    ]);
    const all = JSON.parse(ns.run([OSQUERYI, "--json", "SELECT path, command FROM crontab"])) as Record<string, string>[];
    expect(all.map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs(`/proc/${ns.pid}/root`));
    expect(query("SELECT path, command FROM crontab").map((r) => `${r.path}|${r.command}`)).toEqual(awkJobs());
  });
});
