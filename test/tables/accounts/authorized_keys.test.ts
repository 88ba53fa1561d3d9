import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import authorizedKeys, { parseAuthorizedKeys } from "../../../tables/accounts/authorized_keys.ts";
import { generate, OSQUERYI } from "../../helpers.ts";
import { tool } from "../../tools.ts";
import { rootHome } from "../../home_fixture.ts";
import { MARKER, rootSshFixture, run, type SshFixture } from "./fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "osq-ak-"));
let pubs: string[] = [];
let fx: SshFixture;
let home = "";

function keygen(type: string, comment: string): string {
  const file = join(tmp, `${type}_${pubs.length}`);
  run(["ssh-keygen", "-q", "-t", type, "-N", "", "-C", comment, "-f", file]);
  return readFileSync(`${file}.pub`, "utf8").trim();
}

beforeAll(async () => {
  tool("ssh-keygen", "openssh-client");
  pubs = [keygen("ed25519", `${MARKER} first key`), keygen("ecdsa", `${MARKER}-ecdsa`), keygen("ed25519", "")];
  fx = await rootSshFixture((ssh) => {
    writeFileSync(join(ssh, "authorized_keys"), [
      `# ${MARKER} comment line`,
      pubs[0],
      "",
      `no-pty,from="10.0.0.0/8" ${pubs[1]}`,
    ].join("\n") + "\n", { mode: 0o600 });
    writeFileSync(join(ssh, "authorized_keys2"), `  ${pubs[2]}\t\n`, { mode: 0o600 });
  });
  home = rootHome();
}, 60_000);
afterAll(() => {
  fx?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** Root's keys as the fixture namespace holds them (pid_with_namespace reads through its /proc/<pid>/root). */
const inNs = (): Record<string, [string, string][]> => ({ pid_with_namespace: [["=", String(fx.ns.pid)]] });

/** What each line should give, taken apart from the .pub text ssh-keygen wrote. */
function expectedRows() {
  const split = (pub: string) => {
    const [algorithm, key, ...rest] = pub.split(" ");
    return { algorithm, key, comment: rest.length ? rest.join(" ") : undefined };
  };
  return [
    { ...split(pubs[0]!), options: undefined, key_file: `${home}/.ssh/authorized_keys` },
    { ...split(pubs[1]!), options: 'no-pty,from="10.0.0.0/8"', key_file: `${home}/.ssh/authorized_keys` },
    { ...split(pubs[2]!), options: undefined, key_file: `${home}/.ssh/authorized_keys2` },
  ];
}

describe("authorized_keys", () => {
  test("root's two key files, split into options/algorithm/key/comment", async () => {
    const rows = await generate(authorizedKeys, { uid: [["=", "0"]], ...inNs() });
    expect(rows.map((r) => ({ algorithm: r.algorithm, key: r.key, comment: r.comment, options: r.options, key_file: r.key_file }))).toEqual(expectedRows());
    expect(rows.every((r) => r.uid === 0 && r.pid_with_namespace === fx.ns.pid)).toBe(true);
    // ssh-keygen -l lists one fingerprint per key it can parse in each file.
    const listed = run(["ssh-keygen", "-l", "-f", join(fx.localSshDir, "authorized_keys")]).stdout.split("\n").filter(Boolean);
    expect(rows.filter((r) => r.key_file === `${home}/.ssh/authorized_keys`)).toHaveLength(listed.length);
  });

  test("without a uid constraint only the calling user's (root's) keys are read", async () => {
    const rows = await generate(authorizedKeys, inNs());
    expect(rows.map((r) => r.key)).toEqual(expectedRows().map((r) => r.key));
  });

  test("parser: osquery's first-known-type rule, z/OS key ring labels, types it ignores (dss)", () => {
    const parsed = parseAuthorizedKeys([
      'command="echo ssh-rsa trick" ssh-ed25519 AAAAC3 real',
      "ssh-dss AAAAB3NzaC1kc3M dsa-is-not-listed",
      "sk-ssh-ed25519@openssh.com AAAAGnNr security-key",
      'zos-key-ring-label="KeyRingOwner/SSHAuthKeysRing uniq-ssh-dsa"',
      "ecdsa-sha2-nistp521",
      "ssh-rsa AAAAB3 ",
      "ecdsa-sha2-nistp384\tAAAAE2\tspaced  comment",
      "no-agent-forwarding \t ssh-ed25519 AAAAC3",
    ].join("\n"));
    expect(parsed).toEqual([
      // "ssh-rsa " inside the options is taken as the key type, as osquery does.
      { algorithm: "ssh-rsa", options: 'command="echo', key: 'trick"', comment: "ssh-ed25519 AAAAC3 real" },
      { algorithm: "sk-ssh-ed25519@openssh.com", key: "AAAAGnNr", comment: "security-key" },
      { options: 'zos-key-ring-label="KeyRingOwner/SSHAuthKeysRing uniq-ssh-dsa"' },
      { algorithm: "ssh-rsa", key: "AAAAB3" },
      { algorithm: "ecdsa-sha2-nistp384", key: "AAAAE2", comment: "spaced  comment" },
      { algorithm: "ssh-ed25519", options: "no-agent-forwarding", key: "AAAAC3" },
    ]);
  });

  test("FIDO security-key types are keys too (vs ssh-keygen -l)", () => {
    // an sk-ssh-ed25519 public key blob: type, 32-byte point, application "ssh:"
    const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const blob = Buffer.concat([str(Buffer.from("sk-ssh-ed25519@openssh.com")), str(Buffer.from([...Array(32).keys()])), str(Buffer.from("ssh:"))]).toString("base64");
    const file = join(tmp, "sk_authorized_keys");
    writeFileSync(file, `no-touch-required sk-ssh-ed25519@openssh.com ${blob} my sk key\n`);
    const listed = run(["ssh-keygen", "-l", "-f", file]).stdout.trim();
    expect(listed).toEndWith("my sk key (ED25519-SK)");
    expect(parseAuthorizedKeys(readFileSync(file, "utf8"))).toEqual([
      { algorithm: "sk-ssh-ed25519@openssh.com", options: "no-touch-required", key: blob, comment: "my sk key" },
    ]);
  });

  test("e2e: SELECT * FROM authorized_keys, the binary running in the namespace", () => {
    const rows = JSON.parse(fx.ns.run([OSQUERYI, "--json", "SELECT * FROM authorized_keys WHERE uid = 0"])) as Record<string, string>[];
    expect(rows.map((r) => [r.algorithm, r.key, r.key_file])).toEqual(expectedRows().map((r) => [r.algorithm!, r.key!, r.key_file]));
    expect(rows[1]!.options).toBe('no-pty,from="10.0.0.0/8"');
  });
});
