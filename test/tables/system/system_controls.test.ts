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

  test("config parsing: comments, exactly one '='", () => {
    const conf = "# c\n; c\nnet.ipv4.ip_forward = 1\nkernel.a=b=c\n  vm.swappiness=10 \nbad line\n";
    expect([...parseSysctlConf(conf)]).toEqual([["net.ipv4.ip_forward", "1"], ["vm.swappiness", "10"]]);
  });

  test("end to end", () => {
    expect(query("SELECT current_value FROM system_controls WHERE name = 'kernel.ostype'")).toEqual([{ current_value: sh("sysctl -n kernel.ostype") }]);
  });
});
