// os_version: /etc/os-release as the shell sources it, and fixtures for the RedHat path.
import { describe, expect, test } from "bun:test";
import osVersion, { osVersionRow } from "../../../tables/system/os_version.ts";
import { generate, query } from "../../helpers.ts";

function osRelease(key: string): string {
  return Bun.spawnSync(["sh", "-c", `. /etc/os-release 2>/dev/null; printf %s "$${key}"`]).stdout.toString();
}

describe("os_version", () => {
  test("live row matches what sh reads from /etc/os-release", async () => {
    const [row] = await generate(osVersion);
    expect(row!.name).toBe(osRelease("NAME") || "Unknown");
    expect(row!.platform).toBe(osRelease("ID") || "posix");
    expect(row!.version ?? "").toBe(osRelease("VERSION"));
    const [major = "0", minor = "0"] = osRelease("VERSION_ID").split(".");
    expect(row!.major).toBe(major);
    expect(row!.minor).toBe(minor);
    expect(row!.arch).toBe(Bun.spawnSync(["uname", "-m"]).stdout.toString().trim());
  });

  test("on this host, platform is one of the Linux names Fleet sends its Linux queries to (FLEET.md §4, HostLinuxOSs)", () => {
    const fleetLinux = ["linux", "ubuntu", "debian", "rhel", "centos", "sles", "kali", "gentoo", "amzn", "pop", "arch", "linuxmint", "void", "nixos", "endeavouros", "manjaro", "opensuse-leap", "opensuse-tumbleweed", "tuxedo"];
    const [row] = query("SELECT platform FROM os_version");
    expect(fleetLinux).toContain(row!.platform!);
  });

  test("fixtures: quoting, codenames, version parts, redhat-release", () => {
    const ubuntu = 'NAME="Ubuntu"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\n';
    expect(osVersionRow({ osRelease: ubuntu, redhatRelease: null, gentooRelease: null, arch: "x86_64" })).toEqual({
      name: "Ubuntu", version: "22.04.3 LTS (Jammy Jellyfish)", major: "22", minor: "04", patch: "0",
      platform: "ubuntu", platform_like: "debian", codename: "jammy", arch: "x86_64", pid_with_namespace: 0,
    });
    const rocky = 'NAME="Rocky Linux"\nVERSION_ID="9.3"\nID="rocky"\nID_LIKE="rhel centos fedora"\n';
    expect(osVersionRow({ osRelease: rocky, redhatRelease: "Rocky Linux release 9.3 (Blue Onyx)\n", gentooRelease: null, arch: "x86_64" })).toMatchObject({
      name: "Rocky Linux", major: "9", minor: "3", patch: "0", platform: "rhel", platform_like: "rhel",
      version: "Rocky Linux release 9.3 (Blue Onyx)", build: "",
    });
    expect(osVersionRow({ osRelease: null, redhatRelease: null, gentooRelease: null, arch: "aarch64" })).toEqual({
      name: "Unknown", major: "0", minor: "0", patch: "0", platform: "posix", arch: "aarch64", pid_with_namespace: 0,
    });
  });

  test("redhat-release: whitespace runs shrink to their first character, so the first line with a version wins", () => {
    // Two lines: the first has no "<major>.<minor>", the second does. Collapsing
    // the newline into a space would make one line and take the name from the first.
    const text = "Fedora release 38 (Thirty Eight)\n\nCentOS release 6.5\t\t(Final)\n";
    expect(osVersionRow({ osRelease: null, redhatRelease: text, gentooRelease: null, arch: "x86_64" })).toMatchObject({
      name: "CentOS", major: "6", minor: "5", patch: "0",
      version: "Fedora release 38 (Thirty Eight)\nCentOS release 6.5\t(Final)",
    });
  });

  test("end to end, also inside our own mount namespace", () => {
    expect(query("SELECT name, platform FROM os_version")).toEqual([{ name: osRelease("NAME") || "Unknown", platform: osRelease("ID") || "posix" }]);
    const rows = query(`SELECT name, pid_with_namespace FROM os_version WHERE pid_with_namespace = ${process.pid}`);
    expect(rows).toEqual([{ name: osRelease("NAME") || "Unknown", pid_with_namespace: String(process.pid) }]);
  });
});
