import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sudoers, { readSudoers, SUDOERS } from "../../../tables/accounts/sudoers.ts";
import { generate, query } from "../../helpers.ts";
import { Janitor, MARKER, run } from "./fixtures.ts";

const tmp = realpathSync(mkdtempSync(join(tmpdir(), "osq-sudo-")));
const main = join(tmp, "sudoers");
const janitor = new Janitor();
// Only a host without sudo and without /etc/sudoers gets a temporary one (it points at the fixture).
const ownSudoers = !existsSync(SUDOERS) && run(["sh", "-c", "command -v sudo"]).code !== 0;

beforeAll(() => {
  writeFileSync(main, [
    `# ${MARKER} fixture`,
    "Defaults\tenv_reset",
    'Defaults   secure_path="/usr/sbin:/usr/bin"  ',
    "root ALL=(ALL:ALL) ALL",
    "%admin ALL=(ALL) \\",
    "    NOPASSWD: ALL",
    "Cmnd_Alias PKG = /usr/bin/apt, \\",
    "   /usr/bin/dpkg \\",
    "   , /usr/bin/snap",
    "@includedir sudoers.d",
    "#include extra",
    "#includedir",
    "   ",
  ].join("\n"));
  mkdirSync(join(tmp, "sudoers.d"));
  writeFileSync(join(tmp, "sudoers.d", "10-users"), "alice ALL=(ALL) ALL\n");
  writeFileSync(join(tmp, "sudoers.d", "skip.conf"), "skipped ALL=(ALL) ALL\n");
  writeFileSync(join(tmp, "sudoers.d", "backup~"), "skipped ALL=(ALL) ALL\n");
  writeFileSync(join(tmp, "sudoers.d", ".hidden"), "skipped ALL=(ALL) ALL\n");
  writeFileSync(join(tmp, "sudoers.d", "zz"), `bob ALL=(ALL) NOPASSWD: /bin/${MARKER}\n`);
  writeFileSync(join(tmp, "extra"), "Defaults:bob !lecture\n");
  if (ownSudoers) janitor.write(SUDOERS, `# ${MARKER}\n#include ${main}\n`, 0o440);
});
afterAll(() => {
  janitor.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const EXPECTED = [
  { source: main, header: "Defaults", rule_details: "env_reset" },
  { source: main, header: "Defaults", rule_details: 'secure_path="/usr/sbin:/usr/bin"' },
  { source: main, header: "root", rule_details: "ALL=(ALL:ALL) ALL" },
  { source: main, header: "%admin", rule_details: "ALL=(ALL) NOPASSWD: ALL" },
  { source: main, header: "Cmnd_Alias", rule_details: "PKG = /usr/bin/apt, /usr/bin/dpkg , /usr/bin/snap" },
  { source: main, header: "@includedir", rule_details: "sudoers.d" },
  { source: join(tmp, "sudoers.d", "10-users"), header: "alice", rule_details: "ALL=(ALL) ALL" },
  { source: join(tmp, "sudoers.d", "zz"), header: "bob", rule_details: `ALL=(ALL) NOPASSWD: /bin/${MARKER}` },
  { source: main, header: "#include", rule_details: "extra" },
  { source: join(tmp, "extra"), header: "Defaults:bob", rule_details: "!lecture" },
];

describe("sudoers", () => {
  test("rules, joined continuation lines and included files in reading order", () => {
    expect(readSudoers(main)).toEqual(EXPECTED);
  });

  test("a missing file gives no rows", () => {
    expect(readSudoers(join(tmp, "nope"))).toEqual([]);
  });

  test("the table reads /etc/sudoers", async () => {
    const rows: Record<string, unknown>[] = await generate(sudoers);
    if (ownSudoers) expect(rows).toEqual([{ source: SUDOERS, header: "#include", rule_details: main }, ...EXPECTED]);
    else expect(rows).toEqual(readSudoers(SUDOERS).map((r) => ({ ...r })));
  });

  test("e2e: SELECT * FROM sudoers", () => {
    const rows: Record<string, unknown>[] = query("SELECT source, header, rule_details FROM sudoers");
    if (ownSudoers) expect(rows).toEqual([{ source: SUDOERS, header: "#include", rule_details: main }, ...EXPECTED]);
    else expect(rows).toEqual(readSudoers(SUDOERS).map((r) => ({ ...r })));
  });
});
