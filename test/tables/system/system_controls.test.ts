// system_controls: values against sysctl(8), the walk against find(1), config parsing on a fixture.
import { describe, expect, test } from "bun:test";
import systemControls, { parseSysctlConf } from "../../../tables/system/system_controls.ts";
import { generate, query } from "../../helpers.ts";

function sh(cmd: string): string {
  return Bun.spawnSync(["sh", "-c", cmd]).stdout.toString().trim();
}

describe("system_controls", () => {
  test("name = reads one control, as sysctl -n prints it", async () => {
    for (const name of ["kernel.hostname", "kernel.ostype", "kernel.osrelease", "vm.swappiness"]) {
      const rows = await generate(systemControls, { name: [["=", name]] });
      expect(rows.length).toBe(1);
      expect(rows[0]).toMatchObject({ name, subsystem: name.split(".")[0], current_value: sh(`sysctl -n ${name}`), type: "string" });
    }
  });

  test("the full walk names every file under /proc/sys", async () => {
    const rows = await generate(systemControls);
    const names = rows.map((r) => String(r.name)).sort();
    const found = sh("cd /proc/sys && find . -name '.*' ! -name . -prune -o -type f -print | sed 's|^\\./||; s|/|.|g' | sort").split("\n");
    expect(names).toEqual(found);
    expect(new Set(rows.map((r) => r.subsystem))).toEqual(new Set(sh("ls /proc/sys").split("\n")));
  });

  test("subsystem = limits the walk", async () => {
    const rows = await generate(systemControls, { subsystem: [["=", "kernel"]] });
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((r) => String(r.name).startsWith("kernel."))).toBe(true);
  });

  test("unreadable controls are NULL, readable ones whose read fails are '' (vs test -r and cat)", async () => {
    // access(2) first, then the read: the two outcomes osquery tells apart.
    const classify = sh(
      "for f in $(find /proc/sys/vm /proc/sys/net/ipv6/conf/all -type f); do " +
        "n=$(echo ${f#/proc/sys/} | tr / .); " +
        "if [ ! -r $f ]; then echo \"$n null\"; elif ! cat $f >/dev/null 2>&1; then echo \"$n empty\"; fi; done",
    ).split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]);
    const kinds = new Set(classify.map(([, k]) => k));
    expect(kinds, "needs a write-only control (vm.compact_memory) and an EIO one (net.ipv6.conf.all.stable_secret)").toEqual(new Set(["null", "empty"]));
    const rows = [...(await generate(systemControls, { subsystem: [["=", "vm"]] })), ...(await generate(systemControls, { name: [["=", "net.ipv6.conf.all"]] }))];
    const byName = new Map(rows.map((r) => [String(r.name), r.current_value]));
    for (const [name, kind] of classify) expect({ name, value: byName.get(name) }).toEqual({ name, value: kind === "null" ? undefined : "" });
    const e2e = query("SELECT current_value IS NULL AS n, current_value AS v FROM system_controls WHERE name = 'net.ipv6.conf.all.stable_secret'");
    expect(e2e).toEqual([{ n: "0", v: "" }]);
  });

  test("config parsing: comments, exactly one '='", () => {
    const conf = "# c\n; c\nnet.ipv4.ip_forward = 1\nkernel.a=b=c\n  vm.swappiness=10 \nbad line\n";
    expect([...parseSysctlConf(conf)]).toEqual([["net.ipv4.ip_forward", "1"], ["vm.swappiness", "10"]]);
  });

  test("end to end", () => {
    expect(query("SELECT current_value FROM system_controls WHERE name = 'kernel.ostype'")).toEqual([{ current_value: sh("sysctl -n kernel.ostype") }]);
  });
});
