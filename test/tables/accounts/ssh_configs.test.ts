import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import sshConfigs, { parseSshConfig, SYSTEM_SSH_CONFIG } from "../../../tables/accounts/ssh_configs.ts";
import { generate, query } from "../../helpers.ts";
import { Janitor, MARKER, run } from "./fixtures.ts";

const janitor = new Janitor();
const userFile = "/root/.ssh/config";

beforeAll(() => {
  janitor.write(userFile, [
    `# ${MARKER}`,
    `Compression yes`,
    `Host ${MARKER.toUpperCase()} *.Example.ORG  `,
    `    User Bob`,
    `\tIdentityFile ~/.ssh/Id_X`,
    ``,
    `Match host bar exec "true"`,
    `  ForwardAgent no`,
    `HostName is.not.a.block`,
  ].join("\n"));
});
afterAll(() => janitor.cleanup());

/** An independent reading of the osquery rules (awk): trim, lower-case, drop comments and block lines. */
function awkOptions(file: string): string[] {
  const prog = '{ sub(/^[ \\t\\r]+/, ""); sub(/[ \\t\\r]+$/, ""); l = tolower($0) } l != "" && l !~ /^#/ && l !~ /^(host|match) / { print l }';
  return run(["awk", prog, file]).stdout.split("\n").filter(Boolean);
}

describe("ssh_configs", () => {
  test("root's ~/.ssh/config, lower-cased, under its Host/Match block", async () => {
    const rows = (await generate(sshConfigs, { uid: [["=", "0"]] })).filter((r) => r.ssh_config_file === userFile);
    const m = MARKER.toLowerCase();
    expect(rows.map((r) => [r.uid, r.block, r.option])).toEqual([
      [0, "", "compression yes"],
      [0, `host ${m} *.example.org`, "user bob"],
      [0, `host ${m} *.example.org`, "identityfile ~/.ssh/id_x"],
      [0, 'match host bar exec "true"', "forwardagent no"],
      [0, 'match host bar exec "true"', "hostname is.not.a.block"],
    ]);
    expect(rows.map((r) => r.option)).toEqual(awkOptions(userFile));
  });

  test("the system-wide file is reported with uid 0 after the users' files", async () => {
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
    const rows = query("SELECT * FROM ssh_configs WHERE uid = 0");
    expect(rows.filter((r) => r.ssh_config_file === userFile).map((r) => r.option)).toEqual(awkOptions(userFile));
    expect(rows.filter((r) => r.ssh_config_file === SYSTEM_SSH_CONFIG).map((r) => r.option)).toEqual(awkOptions(SYSTEM_SSH_CONFIG));
  });
});
