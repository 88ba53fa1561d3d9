import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sshConfigs, { parseSshConfig, SYSTEM_SSH_CONFIG } from "../../../tables/accounts/ssh_configs.ts";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "../../helpers.ts";
import { MARKER, rootSshFixture, run, type SshFixture } from "./fixtures.ts";

let fx: SshFixture;
let userFile = "";

// ssh_configs has no pid_with_namespace (as in osquery): the binary runs inside the fixture namespace.
beforeAll(async () => {
  fx = await rootSshFixture((ssh) => writeFileSync(join(ssh, "config"), [
    `# ${MARKER}`,
    `Compression yes`,
    `Host ${MARKER.toUpperCase()} *.Example.ORG  `,
    `    User Bob`,
    `\tIdentityFile ~/.ssh/Id_X`,
    ``,
    `Match host bar exec "true"`,
    `  ForwardAgent no`,
    `HostName is.not.a.block`,
  ].join("\n"), { mode: 0o600 }));
  userFile = join(fx.sshDir, "config");
});
afterAll(() => fx?.cleanup());

/** An independent reading of the osquery rules (awk): trim, lower-case, drop comments and block lines. */
function awkOptions(file: string): string[] {
  const prog = '{ sub(/^[ \\t\\r]+/, ""); sub(/[ \\t\\r]+$/, ""); l = tolower($0) } l != "" && l !~ /^#/ && l !~ /^(host|match) / { print l }';
  return run(["awk", prog, file]).stdout.split("\n").filter(Boolean);
}

describe("ssh_configs", () => {
  test("root's ~/.ssh/config, lower-cased, under its Host/Match block", () => {
    const rows = fx.select("SELECT uid, block, option, ssh_config_file FROM ssh_configs WHERE uid = 0").filter((r) => r.ssh_config_file === userFile);
    const m = MARKER.toLowerCase();
    expect(rows.map((r) => [r.uid, r.block, r.option])).toEqual([
      ["0", "", "compression yes"],
      ["0", `host ${m} *.example.org`, "user bob"],
      ["0", `host ${m} *.example.org`, "identityfile ~/.ssh/id_x"],
      ["0", 'match host bar exec "true"', "forwardagent no"],
      ["0", 'match host bar exec "true"', "hostname is.not.a.block"],
    ]);
    expect(rows.map((r) => r.option)).toEqual(awkOptions(fx.local(userFile)));
  });

  test("the system-wide file is reported with uid 0 after the users' files", async () => {
    if (!existsSync(SYSTEM_SSH_CONFIG)) throw new Error(`${SYSTEM_SSH_CONFIG} is missing: install the Debian package openssh-client`);
    const rows = await generate(sshConfigs);
    const system = rows.filter((r) => r.ssh_config_file === SYSTEM_SSH_CONFIG);
    expect(system.map((r) => r.option)).toEqual(awkOptions(SYSTEM_SSH_CONFIG));
    expect(system.every((r) => r.uid === 0)).toBe(true);
    expect(rows.slice(-system.length)).toEqual(system);
  });

  test("parser: non-ASCII text is not case-folded (C locale)", () => {
    expect(parseSshConfig("HOST Ä\n  User ÉLAN\n")).toEqual([{ block: "host Ä", option: "user Élan" }]);
  });

  test("e2e: SELECT * FROM ssh_configs WHERE uid = 0", () => {
    const rows = fx.select("SELECT * FROM ssh_configs WHERE uid = 0");
    expect(rows.filter((r) => r.ssh_config_file === userFile).map((r) => r.option)).toEqual(awkOptions(fx.local(userFile)));
    expect(rows.filter((r) => r.ssh_config_file === SYSTEM_SSH_CONFIG).map((r) => r.option)).toEqual(awkOptions(SYSTEM_SSH_CONFIG));
  });
});
