// etc_protocols: /etc/protocols as `getent protocols` enumerates it.
import { describe, expect, test } from "bun:test";
import etcProtocols, { parseProtocols } from "../../../tables/network/etc_protocols.ts";
import { generate, query } from "../../helpers.ts";

function getent(): string[] {
  const r = Bun.spawnSync(["getent", "protocols"]);
  return r.stdout.toString().split("\n").filter(Boolean).map((l) => {
    const [name = "", number = "", alias = ""] = l.trim().split(/\s+/);
    return [name, number, alias].join("|");
  });
}

describe("etc_protocols", () => {
  test("generator: same protocols as getent, first alias only", async () => {
    const rows = await generate(etcProtocols);
    expect(rows.map((r) => [r.name, r.number, r.alias ?? ""].join("|"))).toEqual(getent());
  });

  test("parser", () => {
    expect(parseProtocols("ip\t0\tIP\t\t# internet protocol\nicmp 1 ICMP X # a#b\nnoalias 5\n#x 9\n")).toEqual([
      { name: "ip", number: "0", alias: "IP", comment: "internet protocol" },
      { name: "icmp", number: "1", alias: "ICMP", comment: "a # b" },
      { name: "noalias", number: "5" },
    ]);
  });

  test("end to end", () => {
    const tcp = getent().find((l) => l.startsWith("tcp|"))?.split("|") ?? [];
    expect(query("SELECT name, number, alias FROM etc_protocols WHERE name = 'tcp'")).toEqual([{ name: "tcp", number: tcp[1] ?? "", alias: tcp[2] ?? "" }]);
  });
});
