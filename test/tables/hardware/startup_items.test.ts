import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { autostartItems, autostartScripts, parseDesktopEntry } from "../../../tables/hardware/startup_items.ts";
import systemdUnits from "../../../tables/hardware/systemd_units.ts";
import { generate, query } from "../../helpers.ts";

const sh = (cmd: string) => Bun.spawnSync(["sh", "-c", cmd]).stdout.toString().split("\n").filter(Boolean);

describe("startup_items", () => {
  test("init.d scripts and XDG autostart entries (vs ls and grep)", async () => {
    const rows = await generate(table);
    const initd = rows.filter((r) => r.source === "/etc/init.d/").map((r) => String(r.name)).sort();
    expect(initd).toEqual(sh("[ -d /etc/init.d ] && find /etc/init.d/ -mindepth 1 -maxdepth 1 ! -type d -printf '%f\\n'").sort());
    for (const r of rows.filter((r) => r.source === "/etc/init.d/")) {
      expect(r).toMatchObject({ path: `/etc/init.d/${r.name}`, type: "Startup Item", status: "enabled" });
    }
    const xdg = rows.filter((r) => r.source === "/etc/xdg/autostart/");
    const files = sh("[ -d /etc/xdg/autostart ] && find /etc/xdg/autostart/ -mindepth 1 -maxdepth 1 ! -type d");
    expect(xdg.length).toBe(files.length);
    for (const f of files) {
      const names = sh(`grep '^Name=' '${f}' | tail -1 | cut -d= -f2-`);
      if (names.length === 1 && !names[0]!.includes("=")) expect(xdg.some((r) => r.name === names[0])).toBe(true);
    }
  });

  test("systemd units appear with their active state as status", async () => {
    const rows = (await generate(table)).filter((r) => r.type === "systemd unit");
    const units = await generate(systemdUnits);
    expect(rows.map((r) => [r.name, r.status, r.path])).toEqual(units.map((u) => [u.id, u.active_state, u.fragment_path]));
  });

  test("no systemd units where systemctl cannot reach a manager (osquery's ListUnits fails there too)", async () => {
    const live = Bun.spawnSync(["systemctl", "list-units", "--no-legend", "--no-pager"]);
    const rows = (await generate(table)).filter((r) => r.type === "systemd unit");
    if (live.exitCode !== 0) expect(rows).toEqual([]);
    else expect(rows.length).toBeGreaterThan(0);
  });

  test("desktop entries and scripts from a fixture directory", () => {
    expect(parseDesktopEntry("[Desktop Entry]\nName=Clock\nName[de]=Uhr\nExec=clock --tick\nExec=a=b\n")).toEqual({ name: "Clock", exec: "clock --tick" });
    // osquery's split trims each piece: blanks around the value go, a blank value is "".
    expect(parseDesktopEntry("Name= Clock \nExec=\t/usr/bin/clock --tick \r")).toEqual({ name: "Clock", exec: "/usr/bin/clock --tick" });
    expect(parseDesktopEntry("Name=  \n")).toEqual({ name: "" });
    const dir = mkdtempSync(join(tmpdir(), "osq-autostart-")) + "/";
    writeFileSync(dir + "clock.desktop", "[Desktop Entry]\nName=Clock\nExec=/usr/bin/clock\n");
    mkdirSync(dir + "subdir");
    expect(autostartItems(dir)).toEqual([{ name: "Clock", path: "/usr/bin/clock", type: "Startup Item", status: "enabled", source: dir, username: undefined }]);
    expect(autostartScripts(dir)).toEqual([{ name: "clock.desktop", path: dir + "clock.desktop", type: "Startup Item", status: "enabled", source: dir, username: undefined }]);
  });

  test("e2e: the binary's init.d and XDG rows are the files find lists", () => {
    const rows = query("SELECT name, type, source FROM startup_items");
    const initd = rows.filter((r) => r.source === "/etc/init.d/").map((r) => r.name).sort();
    expect(initd).toEqual(sh("[ -d /etc/init.d ] && find /etc/init.d/ -mindepth 1 -maxdepth 1 ! -type d -printf '%f\\n'").sort());
    expect(rows.filter((r) => r.source === "/etc/xdg/autostart/").length).toBe(sh("[ -d /etc/xdg/autostart ] && find /etc/xdg/autostart/ -mindepth 1 -maxdepth 1 ! -type d").length);
  });
});
