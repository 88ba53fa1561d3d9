import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseKnownHosts } from "../../../tables/accounts/known_hosts.ts";
import { OSQUERYI } from "../../helpers.ts";
import { tool } from "../../tools.ts";
import { MARKER, rootSshFixture, run, type SshFixture } from "./fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "osq-kh-"));
const host = `${MARKER}.example`;
let hashedLine = "";
let plainLine = "";
let fx: SshFixture;
let file = "";

beforeAll(async () => {
  tool("ssh-keygen", "openssh-client");
  run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", join(tmp, "k")]);
  const [type, key] = readFileSync(join(tmp, "k.pub"), "utf8").trim().split(" ");
  plainLine = `${host},10.9.8.7 ${type} ${key}`;
  // A hashed entry, as HashKnownHosts writes it: let ssh-keygen -H hash a copy.
  writeFileSync(join(tmp, "kh"), `hashed-${host} ${type} ${key}\n`);
  run(["ssh-keygen", "-H", "-f", join(tmp, "kh")]);
  hashedLine = readFileSync(join(tmp, "kh"), "utf8").split("\n").find((l) => l.startsWith("|1|"))!;
  fx = await rootSshFixture((ssh) => {
    writeFileSync(join(ssh, "known_hosts"), `# ${MARKER} header\n\n  ${plainLine}  \n${hashedLine}\n@cert-authority *.example ${type} ${key}\n`, { mode: 0o600 });
  });
  file = join(fx.sshDir, "known_hosts");
});
afterAll(() => {
  fx?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** known_hosts has no pid_with_namespace (as in osquery): the binary runs inside the fixture namespace. */
const select = (sql: string) => JSON.parse(fx.ns.run([OSQUERYI, "--json", sql])) as Record<string, string>[];

describe("known_hosts", () => {
  test("root's entries, trimmed, comments and blank lines left out", () => {
    const rows = select("SELECT uid, key, key_file FROM known_hosts WHERE uid = 0");
    expect(rows.every((r) => r.uid === "0" && r.key_file === file)).toBe(true);
    expect(rows).toHaveLength(3);
    // ssh-keygen -F finds the line for a host name, hashed or not.
    const found = (name: string) => run(["ssh-keygen", "-F", name, "-f", fx.local(file)]).stdout.split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith("@")).map((l) => l.trim());
    expect(found(host)).toEqual([String(rows[0]!.key)]);
    expect(found(`hashed-${host}`)).toEqual([String(rows[1]!.key)]);
    expect(String(rows[2]!.key).startsWith("@cert-authority ")).toBe(true);
  });

  test("parser keeps whole lines", () => {
    expect(parseKnownHosts("#x\n\n a b c \r\n|1|s|h ssh-rsa K\n   \n")).toEqual(["a b c", "|1|s|h ssh-rsa K"]);
  });

  test("e2e: SELECT * FROM known_hosts WHERE uid = 0", () => {
    const rows = select("SELECT * FROM known_hosts WHERE uid = 0");
    expect(rows.map((r) => r.key)).toEqual([plainLine, hashedLine, rows[2]!.key!]);
    expect(rows.every((r) => r.uid === "0" && r.key_file === file)).toBe(true);
  });
});
