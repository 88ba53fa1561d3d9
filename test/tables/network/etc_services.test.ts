// etc_services: /etc/services as `getent services` enumerates it, and comment handling.
import { describe, expect, test } from "bun:test";
import etcServices, { parseServices } from "../../../tables/network/etc_services.ts";
import { generate, query } from "../../helpers.ts";

function getent(): string[] {
  const r = Bun.spawnSync(["getent", "services"]);
  return r.stdout.toString().split("\n").filter(Boolean).map((l) => {
    const [name = "", portProto = "", ...aliases] = l.trim().split(/\s+/);
    const [port = "", proto = ""] = portProto.split("/");
    return [name, port, proto, aliases.join(" ")].join("|");
  });
}

describe("etc_services", () => {
  test("generator: same services as getent", async () => {
    const rows = await generate(etcServices);
    expect(rows.map((r) => [r.name, r.port, r.protocol, r.aliases].join("|"))).toEqual(getent());
  });

  test("parser: aliases and comments", () => {
    const rows = parseServices("# c\nhttp\t80/tcp\twww www-http\t# WorldWideWeb HTTP\nfoo 1/udp # a # b\nbad\n  \nbar 2\n");
    expect(rows).toEqual([
      { name: "http", port: "80", protocol: "tcp", aliases: "www www-http", comment: "WorldWideWeb HTTP" },
      { name: "foo", port: "1", protocol: "udp", aliases: "", comment: "a # b" },
    ]);
  });

  test("end to end", () => {
    const first = getent()[0]?.split("|") ?? [];
    const rows = query(`SELECT name, port, protocol FROM etc_services WHERE name = '${first[0]}' AND protocol = '${first[2]}'`);
    expect(rows[0]).toEqual({ name: first[0] ?? "", port: first[1] ?? "", protocol: first[2] ?? "" });
  });
});
