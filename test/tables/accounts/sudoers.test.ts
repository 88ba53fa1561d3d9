import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSudoers } from "../../../tables/accounts/sudoers.ts";
import { OSQUERYI } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { MARKER } from "./fixtures.ts";

/** Where osquery reads the rules (not taken from the table, so a wrong path there fails). */
const ETC_SUDOERS = "/etc/sudoers";
const tmp = realpathSync(mkdtempSync(join(tmpdir(), "osq-sudo-")));
const main = join(tmp, "sudoers");

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
  writeFileSync(join(tmp, "etc-sudoers"), `# ${MARKER}\n#include ${main}\n`, { mode: 0o440 });
});
afterAll(() => {
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

  test("e2e: the binary reads /etc/sudoers and what it includes", () => {
    // /etc/sudoers is the fixture only inside a private mount namespace; the real one is untouched.
    const [out] = inMountNamespace(
      [...overlay("/etc", join(tmp, "overlay")), `cp ${sh(join(tmp, "etc-sudoers"))} ${ETC_SUDOERS}`],
      [`${sh(OSQUERYI)} --json 'SELECT source, header, rule_details FROM sudoers'`],
    );
    expect(JSON.parse(out ?? "")).toEqual([{ source: ETC_SUDOERS, header: "#include", rule_details: main }, ...EXPECTED]);
  });
});
