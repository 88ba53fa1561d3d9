// etc_hosts: /etc/hosts parsed by awk, and the parser on a fixture with comments.
import { describe, expect, test } from "bun:test";
import etcHosts, { parseHosts } from "../../../tables/network/etc_hosts.ts";
import { generate, query } from "../../helpers.ts";

/** address<TAB>hostnames per entry, as awk sees the file. */
function awkHosts(path: string): string[] {
  const prog = '!/^[ \\t]*#/ && NF { names = ""; for (i = 2; i <= NF; i++) { if ($i ~ /^#/) break; names = names (names == "" ? "" : " ") $i } print $1 "\\t" names }';
  return Bun.spawnSync(["awk", prog, path]).stdout.toString().split("\n").filter(Boolean);
}

describe("etc_hosts", () => {
  test("generator: same entries as awk over /etc/hosts", async () => {
    const rows = await generate(etcHosts);
    expect(rows.map((r) => `${r.address}\t${r.hostnames ?? ""}`)).toEqual(awkHosts("/etc/hosts"));
    expect(rows.every((r) => r.pid_with_namespace === 0)).toBe(true);
  });

  test("pid_with_namespace reads the process's root and tags the rows", async () => {
    const rows = await generate(etcHosts, { pid_with_namespace: [["=", String(process.pid)]] });
    expect(rows.map((r) => `${r.address}\t${r.hostnames ?? ""}`)).toEqual(awkHosts(`/proc/${process.pid}/root/etc/hosts`));
    expect(rows.every((r) => r.pid_with_namespace === process.pid)).toBe(true);
  });

  test("a pid_with_namespace constraint naming no process reads nothing, not the host's file", async () => {
    // osquery hands any pid_with_namespace constraint to its container worker,
    // which skips pids whose mount namespace it cannot open (0 has none) and
    // has nothing to do for a range.
    expect(awkHosts("/etc/hosts").length, "this test needs entries in /etc/hosts").toBeGreaterThan(0);
    expect(await generate(etcHosts, { pid_with_namespace: [["=", "0"]] })).toEqual([]);
    expect(await generate(etcHosts, { pid_with_namespace: [[">", "0"]] })).toEqual([]);
    expect(query("SELECT address FROM etc_hosts WHERE pid_with_namespace = 0")).toEqual([]);
  });

  test("parser: comments, blank lines, lone addresses", () => {
    const text = "# header\n\n127.0.0.1\tlocalhost  loopback # trailing\n  ::1 ip6-localhost\n10.0.0.1\n   # indented comment\n";
    expect(parseHosts(text)).toEqual([
      { address: "127.0.0.1", hostnames: "localhost loopback" },
      { address: "::1", hostnames: "ip6-localhost" },
      { address: "10.0.0.1" },
    ]);
  });

  test("end to end, through the alias too", () => {
    const expected = awkHosts("/etc/hosts").map((l) => ({ address: l.split("\t")[0] ?? "", hostnames: l.split("\t")[1] ?? "" }));
    expect(query("SELECT address, hostnames FROM etc_hosts")).toEqual(expected);
    expect(query("SELECT address, hostnames FROM hosts")).toEqual(expected);
  });
});
