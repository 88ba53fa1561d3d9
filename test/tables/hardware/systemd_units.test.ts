import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import table, { systemdUnitRow } from "../../../tables/hardware/systemd_units.ts";
import { createServer } from "node:net";
import { busLabelEscape, parseUnitFile, readRuntimeState, readSystemdUnits, systemdManagerProblem, type RuntimeState } from "../../../src/linux/systemd.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, sh } from "../../mount_namespace.ts";
import { tool } from "../../tools.ts";

const has = (tool: string) => Bun.spawnSync(["sh", "-c", `command -v ${tool}`]).exitCode === 0;
const notBooted: RuntimeState = { booted: false, cgroups: new Set(), invoked: new Set(), mounts: new Set(), swaps: new Set() };

function write(path: string, text: string) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

describe("systemd_units", () => {
  test("no systemd answering on the system bus: no rows, as osquery's failed ListUnits call gives (vs systemctl)", async () => {
    // systemctl asks the running manager itself; it fails exactly when osquery's D-Bus call would.
    expect(has("systemctl"), "systemctl (Debian package systemd) is needed as the reference").toBe(true);
    const live = Bun.spawnSync(["systemctl", "list-units", "--all", "--no-legend", "--plain", "--no-pager"]);
    const rows = await generate(table);
    if (live.exitCode !== 0) {
      expect(rows).toEqual([]);
      expect(query("SELECT count(*) AS n FROM systemd_units")).toEqual([{ n: "0" }]);
    } else {
      const ids = new Set(rows.map((r) => String(r.id)));
      const active = live.stdout.toString().split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === "running" && f[0]!.endsWith(".service"));
      expect(active.length).toBeGreaterThan(0);
      for (const f of active) if (existsSync(`/lib/systemd/system/${f[0]}`)) expect(ids.has(f[0]!)).toBe(true);
    }
  });

  test("the manager check: a bus socket and /run/systemd/system are both needed", async () => {
    const root = mkdtempSync(join(tmpdir(), "osq-sdbus-"));
    expect(systemdManagerProblem(root, {})).toContain("/var/run/dbus/system_bus_socket");
    mkdirSync(join(root, "var/run/dbus"), { recursive: true });
    const server = createServer();
    await new Promise<void>((ok) => server.listen(join(root, "var/run/dbus/system_bus_socket"), ok));
    try {
      expect(systemdManagerProblem(root, {})).toContain("PID 1");
      mkdirSync(join(root, "run/systemd/system"), { recursive: true });
      expect(systemdManagerProblem(root, {})).toBeNull();
      expect(systemdManagerProblem(root, { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/elsewhere" })).toContain("/elsewhere");
      expect(systemdManagerProblem(root, { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/var/run/dbus/system_bus_socket" })).toBeNull();
    } finally {
      server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("every concrete unit file in /lib/systemd/system is a unit (vs ls)", async () => {
    // The reconstruction itself, whether or not a manager runs on this host.
    const rows = readSystemdUnits().map(systemdUnitRow);
    const ids = new Set(rows.map((r) => String(r.id)));
    const dir = "/lib/systemd/system";
    if (!existsSync(dir)) throw new Error(`${dir} is missing: install the Debian package systemd`);
    const listed = Bun.spawnSync(["ls", "-1", dir]).stdout.toString().split("\n").filter(Boolean);
    const concrete = listed.filter((n) => /\.(service|socket|target|mount|automount|swap|timer|path|slice|scope|device)$/.test(n) && !/@\./.test(n) && lstatSync(join(dir, n)).isFile());
    for (const n of concrete) expect(ids.has(n)).toBe(true);
    for (const r of rows) expect(r.object_path).toBe(`/org/freedesktop/systemd1/unit/${busLabelEscape(String(r.id))}`);
    expect(concrete.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThanOrEqual(concrete.length);
  });

  test("unit file states agree with `systemctl --root=/ list-unit-files`", async () => {
    const r = Bun.spawnSync([tool("systemctl", "systemd"), "--root=/", "list-unit-files", "--no-pager", "--no-legend"], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`systemctl list-unit-files failed: ${r.stderr.toString().trim()}`);
    const ref = new Map(r.stdout.toString().split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/) as [string, string]));
    let compared = 0;
    for (const row of readSystemdUnits().map(systemdUnitRow)) {
      const state = ref.get(String(row.id));
      if (state === undefined) continue;
      expect({ id: row.id, state: row.unit_file_state }).toEqual({ id: row.id, state });
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  test("unit files from a fixture: drop-ins, instances, aliases, masks, enablement, state", () => {
    const root = mkdtempSync(join(tmpdir(), "osq-units-"));
    const etc = join(root, "etc/systemd/system");
    const lib = join(root, "lib/systemd/system");
    write(join(lib, "web.service"), "[Unit]\nDescription=Web \\\n  server\n# comment\n[Service]\nUser=www\nExecStart=/bin/web\n[Install]\nWantedBy=multi-user.target\nAlias=httpd.service\n");
    write(join(lib, "web.service.d/10-desc.conf"), "[Unit]\nDescription=Web server (patched)\n");
    write(join(lib, "idle.service"), "[Unit]\nDescription=Idle\n[Install]\nWantedBy=multi-user.target\n");
    write(join(lib, "helper.service"), "[Unit]\nDescription=Helper\n[Install]\nAlso=web.service\n");
    write(join(lib, "basic.target"), "[Unit]\nDescription=Basic\n");
    write(join(lib, "getty@.service"), "[Unit]\nDescription=Getty on %I\n[Install]\nWantedBy=getty.target\n");
    write(join(lib, "gone.service"), "[Unit]\nDescription=Gone\n");
    write(join(lib, "gen.mount"), "[Unit]\nSourcePath=/etc/fstab\nDescription=gen\n[Mount]\nWhere=/gen\n");
    mkdirSync(join(etc, "multi-user.target.wants"), { recursive: true });
    mkdirSync(join(etc, "getty.target.wants"), { recursive: true });
    symlinkSync(join(lib, "web.service"), join(etc, "multi-user.target.wants/web.service"));
    symlinkSync(join(lib, "getty@.service"), join(etc, "getty.target.wants/getty@tty1.service"));
    symlinkSync(join(lib, "web.service"), join(etc, "httpd.service"));
    symlinkSync("/dev/null", join(etc, "gone.service"));
    const units = readSystemdUnits({ dirs: [etc, lib], runtime: notBooted });
    const by = new Map(units.map((u) => [u.id, u]));
    expect([...by.keys()]).toEqual(["basic.target", "gen.mount", "getty@tty1.service", "gone.service", "helper.service", "idle.service", "web.service"]);
    expect(by.get("web.service")).toEqual({
      id: "web.service", description: "Web server (patched)", loadState: "loaded", activeState: "inactive", subState: "dead",
      unitFileState: "enabled", fragmentPath: join(lib, "web.service"), sourcePath: "", user: "www",
    });
    expect(by.get("getty@tty1.service")).toMatchObject({ description: "Getty on tty1", fragmentPath: join(lib, "getty@.service"), unitFileState: "enabled" });
    expect(by.get("gone.service")).toMatchObject({ loadState: "masked", unitFileState: "masked", fragmentPath: "" });
    expect(by.get("idle.service")!.unitFileState).toBe("disabled");
    expect(by.get("helper.service")!.unitFileState).toBe("indirect");
    expect(by.get("basic.target")!.unitFileState).toBe("static");
    expect(by.get("gen.mount")!.sourcePath).toBe("/etc/fstab");

    // Run-time traces: a populated cgroup, an invocation id, a mounted path.
    const rt: RuntimeState = { booted: true, cgroups: new Set(["web.service"]), invoked: new Set(["basic.target", "idle.service"]), mounts: new Set(["/", "/gen"]), swaps: new Set() };
    const live = new Map(readSystemdUnits({ dirs: [etc, lib], runtime: rt }).map((u) => [u.id, u]));
    expect([live.get("web.service")!.activeState, live.get("web.service")!.subState]).toEqual(["active", "running"]);
    expect([live.get("idle.service")!.activeState, live.get("idle.service")!.subState]).toEqual(["active", "exited"]);
    expect([live.get("basic.target")!.activeState, live.get("basic.target")!.subState]).toEqual(["active", "active"]);
    expect([live.get("gen.mount")!.activeState, live.get("gen.mount")!.subState]).toEqual(["active", "mounted"]);
    expect(live.get("helper.service")!.activeState).toBe("inactive");
  });

  test("run-time state read from a fixture root (cgroup v2 populated flag, invocation links)", () => {
    const root = mkdtempSync(join(tmpdir(), "osq-rt-"));
    mkdirSync(join(root, "run/systemd/system"), { recursive: true });
    mkdirSync(join(root, "run/systemd/units"), { recursive: true });
    symlinkSync("0123", join(root, "run/systemd/units/invocation:ssh.service"));
    write(join(root, "sys/fs/cgroup/system.slice/cron.service/cgroup.events"), "populated 1\nfrozen 0\n");
    write(join(root, "sys/fs/cgroup/system.slice/idle.service/cgroup.events"), "populated 0\nfrozen 0\n");
    write(join(root, "proc/self/mountinfo"), "22 1 0:21 / /home/a\\040b rw - ext4 /dev/sda1 rw\n");
    const rt = readRuntimeState(root);
    expect(rt.booted).toBe(true);
    expect([...rt.cgroups]).toEqual(["cron.service"]);
    expect([...rt.invoked]).toEqual(["ssh.service"]);
    expect(rt.mounts.has("/home/a b")).toBe(true);
    expect(readRuntimeState(join(root, "nothing")).booted).toBe(false);
  });

  test("unit file syntax: continuation lines, comments, repeated keys", () => {
    const u = parseUnitFile("[Unit]\nAfter=a.service\nAfter=b.service\n; note\nDescription=one \\\ntwo\n");
    expect(u.get("Unit")!.get("After")).toEqual(["a.service", "b.service"]);
    expect(u.get("Unit")!.get("Description")).toEqual(["one  two"]);
    expect(busLabelEscape("dbus-org.freedesktop.timesync1.service")).toBe("dbus_2dorg_2efreedesktop_2etimesync1_2eservice");
  });

  test("e2e: the binary's unit file states are systemctl's", () => {
    const r = Bun.spawnSync([tool("systemctl", "systemd"), "--root=/", "list-unit-files", "--no-pager", "--no-legend"], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`systemctl list-unit-files failed: ${r.stderr.toString().trim()}`);
    const ref = new Map(r.stdout.toString().split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/) as [string, string]));
    // osq answers only where a systemd manager would (a bus socket and /run/systemd/system);
    // this host has none, so the namespace lays both over a private /run for the binary.
    const [out] = inMountNamespace(
      [
        "mount -t tmpfs osq-run /run",
        "mkdir -p /run/systemd/system /run/dbus",
        `/usr/bin/python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/run/dbus/system_bus_socket')"`,
      ],
      [`${sh(OSQUERYI)} --json 'SELECT id, unit_file_state, job_path FROM systemd_units'`],
    );
    const rows = JSON.parse(out ?? "") as Record<string, string>[];
    const compared = rows.filter((row) => ref.has(row.id!));
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.map((row) => [row.id, row.unit_file_state])).toEqual(compared.map((row) => [row.id, ref.get(row.id!)]));
    for (const row of rows) expect(row.job_path).toBe("/");
  });
});

