// augeas through Debian's libaugeas0 and augeas-lenses, over /etc-style files
// the test writes under a temp root (libaugeas's AUGEAS_ROOT), never the real /etc.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { osq } from "../../helpers.ts";

const LENSES = "/usr/share/augeas/lenses/dist";
const root = mkdtempSync(join(tmpdir(), "osq-augeas-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "etc/ssh"), { recursive: true });
writeFileSync(join(root, "etc/hosts"), "127.0.0.1 localhost\n# a comment\n10.1.2.3 osqtest.example osqalias\n");
writeFileSync(join(root, "etc/ssh/sshd_config"), "Port 2222\nPermitRootLogin no\n");

function augeas(sql: string, args: string[] = [`--augeas_lenses=${LENSES}`]): Record<string, string>[] {
  if (!existsSync(join(LENSES, "hosts.aug"))) throw new Error(`${LENSES}/hosts.aug is missing: install the Debian packages libaugeas0 and augeas-lenses`);
  const r = osq(["--json", ...args, sql], { env: { AUGEAS_ROOT: root } });
  if (r.code !== 0) throw new Error(`osqueryi failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>[];
}

const hostsRows = [
  { node: "/files/etc/hosts", value: "", label: "hosts", path: "/etc/hosts" },
  { node: "/files/etc/hosts/1", value: "", label: "1", path: "/etc/hosts" },
  { node: "/files/etc/hosts/#comment", value: "a comment", label: "#comment", path: "/etc/hosts" },
  { node: "/files/etc/hosts/2", value: "", label: "2", path: "/etc/hosts" },
  { node: "/files/etc/hosts/1/ipaddr", value: "127.0.0.1", label: "ipaddr", path: "/etc/hosts" },
  { node: "/files/etc/hosts/1/canonical", value: "localhost", label: "canonical", path: "/etc/hosts" },
  { node: "/files/etc/hosts/2/ipaddr", value: "10.1.2.3", label: "ipaddr", path: "/etc/hosts" },
  { node: "/files/etc/hosts/2/canonical", value: "osqtest.example", label: "canonical", path: "/etc/hosts" },
  { node: "/files/etc/hosts/2/alias", value: "osqalias", label: "alias", path: "/etc/hosts" },
];

describe("augeas", () => {
  test("path = a file: its node and every node below, from the file under the temp root", () => {
    const rows = augeas("SELECT node, value, label, path FROM augeas WHERE path = '/etc/hosts'");
    const key = (r: Record<string, string>) => r.node!;
    expect([...rows].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...hostsRows].sort((a, b) => key(a).localeCompare(key(b))));
  });

  test("node = an augeas path, node LIKE with % as *", () => {
    expect(augeas("SELECT value FROM augeas WHERE node = '/files/etc/ssh/sshd_config/Port'")).toEqual([{ value: "2222" }]);
    expect(augeas("SELECT value FROM augeas WHERE node LIKE '/files/etc/hosts/%/ipaddr'")).toEqual([{ value: "127.0.0.1" }, { value: "10.1.2.3" }]);
  });

  test("no constraint: every node under /files, both files and nothing of the real /etc", () => {
    const rows = augeas("SELECT DISTINCT path FROM augeas");
    expect(rows.map((r) => r.path).sort()).toEqual(["/etc", "/etc/hosts", "/etc/ssh", "/etc/ssh/sshd_config"]);
  });

  test("path LIKE: % becomes augeas's *, which ends the pattern, so only the matching nodes themselves", () => {
    expect(augeas("SELECT node, path FROM augeas WHERE path LIKE '/etc/ssh/%'")).toEqual([{ node: "/files/etc/ssh/sshd_config", path: "/etc/ssh/sshd_config" }]);
    expect(augeas("SELECT count(*) AS n FROM augeas WHERE path LIKE '/etc/ssh/sshd_config'")).toEqual([{ n: "3" }]);
  });

  test("the alias configurations", () => {
    expect(augeas("SELECT value FROM configurations WHERE node = '/files/etc/ssh/sshd_config/PermitRootLogin'")).toEqual([{ value: "no" }]);
  });

  test("a lens directory without lenses loads nothing", () => {
    expect(augeas("SELECT * FROM augeas WHERE path = '/etc/hosts'", [`--augeas_lenses=${root}`])).toEqual([]);
  });

  test("left at osquery's default lens directory, which osquery's package would install, Debian's lenses are used", () => {
    if (existsSync("/opt/osquery/share/osquery/lenses")) throw new Error("/opt/osquery/share/osquery/lenses exists here: this test needs osquery's package absent");
    expect(augeas("SELECT value FROM augeas WHERE node = '/files/etc/ssh/sshd_config/Port'", [])).toEqual([{ value: "2222" }]);
  });
});
