// dns_resolvers: /etc/resolv.conf read by awk, and glibc's res_init rules on fixtures.
import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import dnsResolvers, { parseResolvConf, resolverRows } from "../../../tables/system/dns_resolvers.ts";
import { generate, query } from "../../helpers.ts";

function awkNameservers(file = "/etc/resolv.conf"): string[] {
  const out = Bun.spawnSync(["awk", "$1 == \"nameserver\" && n < 3 {print $2; n++}", file]).stdout.toString().split("\n").filter(Boolean);
  return out.length > 0 ? out : ["127.0.0.1"];
}

describe("dns_resolvers", () => {
  test("live: the nameservers of /etc/resolv.conf, options 705 by default", async () => {
    const rows = await generate(dnsResolvers);
    const ns = rows.filter((r) => r.type === "nameserver");
    expect(ns.map((r) => r.address)).toEqual(awkNameservers());
    expect(ns.every((r) => r.netmask === "32")).toBe(true);
    const hasOptions = Bun.spawnSync(["grep", "-q", "^options", "/etc/resolv.conf"]).exitCode === 0;
    if (!hasOptions && !process.env.RES_OPTIONS) expect(ns.every((r) => r.options === 705)).toBe(true);
  });

  test("fixture: search/domain, sortlist masks, option flags, limits", () => {
    const conf = [
      "# comment", "; comment",
      "nameserver 10.0.0.1", "nameserver 2001:db8::1", "nameserver 10.0.0.3", "nameserver 10.0.0.4",
      "domain ignored.example", "search a.example b.example",
      "sortlist 130.155.160.0/255.255.240.0 130.155.0.0",
      "options rotate edns0 ndots:2",
    ].join("\n");
    const state = parseResolvConf(conf, { hostname: "box" });
    expect(state.nameservers).toEqual(["10.0.0.1", "2001:db8::1", "10.0.0.3"]);
    expect(state.search).toEqual(["a.example", "b.example"]);
    expect(state.options).toBe(705 | 0x4000 | 0x100000);
    expect(resolverRows(state).filter((r) => r.type === "sortlist")).toEqual([
      { id: 0, type: "sortlist", address: "130.155.160.0", netmask: "15794175", options: state.options, pid_with_namespace: 0 },
      { id: 1, type: "sortlist", address: "130.155.0.0", netmask: "65535", options: state.options, pid_with_namespace: 0 },
    ]);
    expect(parseResolvConf("", { hostname: "box.corp.example" })).toEqual({ nameservers: ["127.0.0.1"], sortlist: [], search: ["corp.example"], options: 705 });
    expect(parseResolvConf("search x.example\n", { localDomain: "env.example" }).search).toEqual(["env.example"]);
  });

  test("pid_with_namespace: our own mount namespace sees the same file", async () => {
    const rows = await generate(dnsResolvers, { pid_with_namespace: [["=", String(process.pid)]] });
    expect(rows.filter((r) => r.type === "nameserver").map((r) => r.address)).toEqual(awkNameservers(`/proc/${process.pid}/root/etc/resolv.conf`));
    expect(rows.every((r) => r.pid_with_namespace === process.pid)).toBe(true);
    expect(hostname()).toBeTruthy();
  });

  test("end to end", () => {
    expect(query("SELECT address FROM dns_resolvers WHERE type = 'nameserver'").map((r) => r.address)).toEqual(awkNameservers());
  });
});
